import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { vscodeIcon } from './icons';

let frameCount = 0;

/**
 * VS Code in an `<iframe>`, without a sandbox: it is served by the same origin
 * as JupyterLab (Jupyter's CSP `frame-ancestors 'self'` allows that), runs the
 * user's code anyway, and needs scripts, storage, popups and downloads.
 * The clipboard permissions are delegated so that copy/paste works where the
 * browser allows it (Chromium: yes; Firefox/Safari: keyboard shortcuts only).
 */
export class VSCodeFrame extends Widget {
  constructor(url: string, title: string) {
    super();
    this.addClass('jp-vscode-Frame');
    const iframe = document.createElement('iframe');
    iframe.setAttribute(
      'allow',
      'clipboard-read; clipboard-write; fullscreen; cross-origin-isolated'
    );
    iframe.title = title;
    iframe.src = url;
    this.node.appendChild(iframe);
  }

  /** The `<iframe>` element. */
  get iframe(): HTMLIFrameElement {
    return this.node.querySelector('iframe') as HTMLIFrameElement;
  }

  /** Give the keyboard to VS Code when the tab is activated. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this.iframe.focus();
  }
}

/** Open `url` (absolute path) in a new JupyterLab main-area tab. */
export function openInMainArea(
  app: JupyterFrontEnd,
  url: string,
  label: string,
  caption: string
): MainAreaWidget<VSCodeFrame> {
  const content = new VSCodeFrame(url, label);
  const widget = new MainAreaWidget({ content });
  widget.id = `jupyter-vscode-frame-${++frameCount}`;
  widget.addClass('jp-vscode-FramePanel');
  widget.title.label = label;
  widget.title.caption = caption;
  widget.title.icon = vscodeIcon;
  widget.title.closable = true;
  app.shell.add(widget, 'main');
  app.shell.activateById(widget.id);
  return widget;
}
