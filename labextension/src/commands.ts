import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import {
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';

import { loadTrans } from './feature';
import { canRestart, canStop, statusSummary } from './format';
import { VSCodeTabs } from './frame';
import { vscodeIcon } from './icons';
import { requestAPI } from './request';
import {
  CommandIDs,
  IOpenURL,
  IVSCodeOpener,
  IVSCodeStatusModel,
  OpenIn,
  PLUGIN_ID,
  Trans
} from './tokens';
import { showLogDialog } from './ui';
import {
  chosenPath,
  folderKey,
  ITabArgs,
  openURLEndpoint,
  parseOpenIn,
  parseTabArgs,
  tabLabel,
  underBaseURL
} from './urls';

/**
 * The VS Code commands, registered at once: before the server has answered,
 * and also if it never does (running one then asks again, and shows why VS
 * Code is unavailable if it still is). Also the palette entries for open-path,
 * restart, stop and log, the `openIn` user setting, the JupyterLab tabs
 * (tracked, restored after a reload) and the dialog when a start fails.
 */
export const commandsPlugin: JupyterFrontEndPlugin<IVSCodeOpener> = {
  id: PLUGIN_ID,
  description: 'VS Code commands: open, open a path, restart, stop, log.',
  autoStart: true,
  requires: [IVSCodeStatusModel],
  optional: [
    ITranslator,
    ISettingRegistry,
    ICommandPalette,
    IFileBrowserFactory,
    IDefaultFileBrowser,
    ILayoutRestorer
  ],
  provides: IVSCodeOpener,
  activate: (
    app: JupyterFrontEnd,
    model: IVSCodeStatusModel,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    browserFactory: IFileBrowserFactory | null,
    defaultBrowser: IDefaultFileBrowser | null,
    restorer: ILayoutRestorer | null
  ): IVSCodeOpener => {
    const trans = loadTrans(translator);
    const settings = new Settings();
    if (settingRegistry) {
      void settings.load(settingRegistry);
    }
    const absolute = (url: string) =>
      underBaseURL(PageConfig.getBaseUrl(), url);
    const tabs = new VSCodeTabs(app, absolute);
    const opener = new Opener(model, settings, tabs, absolute, trans);
    const { commands } = app;

    commands.addCommand(CommandIDs.open, {
      label: () => model.title,
      caption: () => opener.caption,
      icon: vscodeIcon,
      execute: () => opener.openDefault()
    });

    commands.addCommand(CommandIDs.openPath, {
      label: () => trans.__('Open in %1', model.title),
      caption: () =>
        trans.__(
          "Open the selected file or folder (else the file browser's folder) in %1",
          model.title
        ),
      icon: vscodeIcon,
      execute: args => {
        const browser =
          browserFactory?.tracker.currentWidget ?? defaultBrowser ?? null;
        const selected = browser?.selectedItems().next();
        const path = chosenPath(
          args.path,
          selected && !selected.done ? selected.value.path : undefined,
          browser?.model.path
        );
        // without a drive prefix such as "RTC:" (a ':' in a file name stays)
        return opener.openPath(app.serviceManager.contents.localPath(path));
      }
    });

    commands.addCommand(CommandIDs.restart, {
      label: () => trans.__('Restart %1', model.title),
      caption: () =>
        trans.__('Stop and start %1 (code-server) again', model.title),
      isEnabled: () => canRestart(model.state),
      execute: whenAvailable(
        model,
        trans,
        () => model.restart(),
        async reason => {
          // "failed": the state change shows the log (below)
          if (model.state === 'misconfigured') {
            await showLogDialog(model, commands, trans);
          } else if (model.state === 'missing') {
            await showLogDialog(
              model,
              commands,
              trans,
              // not installed, or a configured path that is wrong: the error says which
              trans.__('%1: code-server not found', model.title)
            );
          } else if (model.state !== 'failed') {
            await showErrorMessage(
              trans.__('Restarting %1 failed', model.title),
              reason as Error
            );
          }
        }
      )
    });

    commands.addCommand(CommandIDs.stop, {
      label: () => trans.__('Stop %1', model.title),
      caption: () =>
        trans.__(
          'Stop %1 (code-server) and everything it started',
          model.title
        ),
      isEnabled: () => canStop(model.state),
      execute: whenAvailable(
        model,
        trans,
        () => model.stop(),
        reason =>
          showErrorMessage(
            trans.__('Stopping %1 failed', model.title),
            reason as Error
          )
      )
    });

    commands.addCommand(CommandIDs.showLog, {
      label: () => trans.__('Show %1 Status and Log', model.title),
      caption: () => statusSummary(model.title, model.status, trans),
      execute: async () => {
        if (await available(model, trans)) {
          await showLogDialog(model, commands, trans);
        }
      }
    });

    commands.addCommand(CommandIDs.openTab, {
      label: () => model.title,
      icon: vscodeIcon,
      execute: async args => {
        const tab = parseTabArgs(args);
        if (tab) {
          await tabs.open(tab);
          model.watchTransition();
        }
      }
    });

    model.changed.connect(() => commands.notifyCommandChanged());
    model.infoChanged.connect(() => commands.notifyCommandChanged());

    if (restorer) {
      void restorer.restore(tabs.tracker, {
        command: CommandIDs.openTab,
        args: widget => ({ ...widget.content.args }),
        name: widget => `folder:${widget.content.args.folder}`
      });
    }

    for (const command of [
      CommandIDs.openPath,
      CommandIDs.restart,
      CommandIDs.stop,
      CommandIDs.showLog
    ]) {
      palette?.addItem({ command, category: trans.__('VS Code') });
    }

    // A failed start (seen by the status poll) shows the log once.
    model.stateChanged.connect((_, { previous, current }) => {
      if (current?.state === 'failed' && previous !== null) {
        void showLogDialog(model, commands, trans);
      }
    });

    return opener;
  }
};

/**
 * Whether the server extension answers; if not, say why (once more asked:
 * the first request may have failed while the server was restarting).
 */
async function available(
  model: IVSCodeStatusModel,
  trans: Trans
): Promise<boolean> {
  try {
    await model.ensureInfo();
    return true;
  } catch (reason) {
    await showErrorMessage(
      trans.__('%1 is unavailable', model.title),
      reason as Error
    );
    return false;
  }
}

/**
 * A command's `execute`: unless the server extension is unavailable (then
 * {@link available} says why), run `action`; `failed` handles its rejection.
 */
function whenAvailable(
  model: IVSCodeStatusModel,
  trans: Trans,
  action: () => Promise<unknown>,
  failed: (reason: unknown) => Promise<void>
): () => Promise<void> {
  return async () => {
    if (!(await available(model, trans))) {
      return;
    }
    try {
      await action();
    } catch (reason) {
      await failed(reason);
    }
  };
}

/** The `openIn` user setting, kept up to date. */
class Settings {
  openIn: OpenIn = 'browser-tab';

  async load(registry: ISettingRegistry): Promise<void> {
    try {
      const settings = await registry.load(PLUGIN_ID);
      const update = () => {
        this.openIn = parseOpenIn(settings.get('openIn').composite);
      };
      update();
      settings.changed.connect(update);
    } catch (reason) {
      console.warn(`${PLUGIN_ID}: settings could not be loaded`, reason);
    }
  }
}

/** Opens VS Code URLs where the user wants them. */
class Opener implements IVSCodeOpener {
  constructor(
    private readonly _model: IVSCodeStatusModel,
    private readonly _settings: Settings,
    private readonly _tabs: VSCodeTabs,
    private readonly _absolute: (url: string) => string,
    private readonly _trans: Trans
  ) {}

  /**
   * Whether VS Code opens in a JupyterLab tab: only where there is a main
   * area of tabs (JupyterLab, not Notebook 7's single-document pages).
   */
  get inMainArea(): boolean {
    return (
      this._settings.openIn === 'jupyterlab-tab' &&
      !PageConfig.getOption('notebookPage')
    );
  }

  get caption(): string {
    return this.inMainArea
      ? this._trans.__('Open %1 in a JupyterLab tab', this._model.title)
      : this._trans.__('Open %1 in a new browser tab', this._model.title);
  }

  async openDefault(): Promise<void> {
    const info = this._model.info;
    if (info) {
      // known: open at once, while the click's user activation lasts
      this._open(
        { url: info.url, label: info.title, folder: folderKey(null) },
        null
      );
      return;
    }
    const pending = this.inMainArea ? null : window.open('', '_blank');
    try {
      const known = await this._model.ensureInfo();
      this._open(
        { url: known.url, label: known.title, folder: folderKey(null) },
        pending
      );
    } catch (reason) {
      pending?.close();
      await showErrorMessage(
        this._trans.__('%1 is unavailable', this._model.title),
        reason as Error
      );
    }
  }

  async openPath(path: string): Promise<void> {
    // A browser tab must be opened while the click's user activation lasts,
    // i.e. before waiting for the server: open it empty and navigate it later.
    const pending = this.inMainArea ? null : window.open('', '_blank');
    let target: IOpenURL;
    try {
      await this._model.ensureInfo();
      target = await requestAPI<IOpenURL>(
        openURLEndpoint(path, window.location.host)
      );
    } catch (reason) {
      pending?.close();
      await showErrorMessage(
        this._trans.__(
          'Cannot open “%1” in %2',
          path || '/',
          this._model.title
        ),
        reason as Error
      );
      return;
    }
    this._open(
      {
        url: target.url,
        label: tabLabel(this._model.title, target),
        folder: folderKey(target)
      },
      pending
    );
  }

  private _open(args: ITabArgs, pending: Window | null): void {
    if (this.inMainArea) {
      void this._tabs.open(args);
    } else {
      const absolute = this._absolute(args.url);
      if (pending) {
        pending.opener = null;
        pending.location.href = absolute;
      } else {
        window.open(absolute, '_blank', 'noopener');
      }
    }
    // code-server starts on the first request: show it in the status
    this._model.watchTransition();
  }
}
