import { LabIcon } from '@jupyterlab/ui-components';

import vscodeSvgstr from '../style/icons/vscode.svg';
import { ICON_NAME } from './tokens';

/** The VS Code icon of the command, launcher tile and menu entries. */
export const vscodeIcon = new LabIcon({
  name: ICON_NAME,
  svgstr: vscodeSvgstr
});
