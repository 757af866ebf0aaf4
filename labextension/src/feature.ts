import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import type { Token } from '@lumino/coreutils';

import {
  ILauncherInfo,
  IVSCodeOpener,
  IVSCodeStatusModel,
  PACKAGE,
  TRANSLATION_DOMAIN
} from './tokens';

/** This package's translations (`translator` is an optional service: may be absent). */
export function loadTrans(translator: ITranslator | null): TranslationBundle {
  return (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
}

/** What every feature plugin's `activate` gets first. */
export interface IFeature {
  app: JupyterFrontEnd;
  /** The shared status model. */
  model: IVSCodeStatusModel;
  /** The launcher settings (`c.VSCode.launcher_*`), as the server sent them. */
  info: ILauncherInfo;
  trans: TranslationBundle;
}

/** The host services a feature uses, each optional (`null` where the page lacks it). */
type Services<T extends unknown[]> = { [K in keyof T]: T[K] | null };

/**
 * A feature plugin (an entry, an item or a panel around the shared model):
 * ID `jupyter-vscode:<name>`, started at once, after the status model and
 * the commands (required, so that the commands exist before entries point at
 * them). Its `activate` runs once the server extension has sent the launcher
 * settings (never without the server extension), with the `optional` host
 * services in that order.
 */
export function featurePlugin<T extends unknown[]>(feature: {
  name: string;
  description: string;
  optional: { [K in keyof T]: Token<T[K]> };
  activate: (feature: IFeature, ...services: Services<T>) => void;
}): JupyterFrontEndPlugin<void> {
  return {
    id: `${PACKAGE}:${feature.name}`,
    description: feature.description,
    autoStart: true,
    requires: [IVSCodeStatusModel, IVSCodeOpener],
    optional: [ITranslator, ...feature.optional],
    activate: (
      app: JupyterFrontEnd,
      model: IVSCodeStatusModel,
      _opener: IVSCodeOpener,
      translator: ITranslator | null,
      ...services: Services<T>
    ): void => {
      const trans = loadTrans(translator);
      model.whenInfo(info =>
        feature.activate({ app, model, info, trans }, ...services)
      );
    }
  };
}
