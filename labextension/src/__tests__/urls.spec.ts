import {
  chosenPath,
  folderKey,
  openURLEndpoint,
  parseLauncherInfo,
  parseOpenIn,
  parseTabArgs,
  tabLabel,
  underBaseURL
} from '../urls';

const target = (path: string, folder: string, kind: 'file' | 'folder') => ({
  url: `vscode/?folder=${encodeURIComponent(folder)}`,
  kind,
  path,
  folder
});

describe('openURLEndpoint', () => {
  it('quotes the path and the authority', () => {
    expect(openURLEndpoint('dir with space/ünï #1.py', 'host:8888')).toBe(
      'url?path=dir%20with%20space%2F%C3%BCn%C3%AF%20%231.py&authority=host%3A8888'
    );
  });

  it('keeps an empty path (the root)', () => {
    expect(openURLEndpoint('', 'h')).toBe('url?path=&authority=h');
  });
});

describe('underBaseURL', () => {
  it('joins with one slash and keeps the query as it is', () => {
    expect(underBaseURL('/jupyter/default/', 'vscode/?folder=%2Fa%2Fb')).toBe(
      '/jupyter/default/vscode/?folder=%2Fa%2Fb'
    );
    expect(underBaseURL('/', '/vscode/')).toBe('/vscode/');
    expect(underBaseURL('/base', 'vscode/')).toBe('/base/vscode/');
  });
});

describe('tabLabel and folderKey', () => {
  it('names the default tab by the title', () => {
    expect(tabLabel('VS Code', null)).toBe('VS Code');
    expect(folderKey(null)).toBe('');
  });

  it('names a file or folder by its last component', () => {
    expect(tabLabel('VS Code', target('/r/hello.py', '/r', 'file'))).toBe(
      'VS Code: hello.py'
    );
    expect(tabLabel('Code', target('/r/sub/', '/r/sub', 'folder'))).toBe(
      'Code: sub'
    );
    expect(tabLabel('VS Code', target('/', '/', 'folder'))).toBe('VS Code: /');
  });

  it('keys a tab by the folder VS Code opens', () => {
    expect(folderKey(target('/r/hello.py', '/r', 'file'))).toBe('/r');
    expect(folderKey(target('/r/sub', '/r/sub', 'folder'))).toBe('/r/sub');
  });
});

describe('chosenPath', () => {
  it('prefers args.path, then the selection, then the folder, then the root', () => {
    expect(chosenPath('a.py', 'b.py', 'dir')).toBe('a.py');
    expect(chosenPath('', 'b.py', 'dir')).toBe('');
    expect(chosenPath(undefined, 'b.py', 'dir')).toBe('b.py');
    expect(chosenPath(undefined, undefined, 'dir')).toBe('dir');
    expect(chosenPath(42, undefined, undefined)).toBe('');
  });
});

describe('parseLauncherInfo', () => {
  it('accepts the server reply', () => {
    const info = {
      enabled: true,
      title: 'VS Code',
      category: 'Other',
      url: 'vscode/'
    };
    expect(parseLauncherInfo({ ...info, extra: 1 })).toEqual(info);
  });

  it.each([
    null,
    'x',
    [],
    {},
    { enabled: 'yes', title: 'a', category: 'b', url: 'c' }
  ])('rejects %p', data => {
    expect(parseLauncherInfo(data)).toBeNull();
  });
});

describe('parseOpenIn', () => {
  it('defaults to a browser tab', () => {
    expect(parseOpenIn('jupyterlab-tab')).toBe('jupyterlab-tab');
    expect(parseOpenIn('browser-tab')).toBe('browser-tab');
    expect(parseOpenIn(undefined)).toBe('browser-tab');
    expect(parseOpenIn('iframe')).toBe('browser-tab');
  });
});

describe('parseTabArgs', () => {
  it('accepts what the restorer stored', () => {
    const args = { url: 'vscode/', label: 'VS Code', folder: '' };
    expect(parseTabArgs(args)).toEqual(args);
  });

  it.each([
    null,
    {},
    { url: '', label: 'a', folder: '' },
    { url: 'u', label: 'a' }
  ])('rejects %p', args => {
    expect(parseTabArgs(args)).toBeNull();
  });
});
