"""A minimal VS Code extension package (.vsix) that the real code-server installs offline."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path


def make_vsix(
    path: Path, publisher: str = "jvtest", name: str = "hello", version: str = "0.0.1"
) -> Path:
    """Write ``<publisher>.<name>`` ``<version>`` (default jvtest.hello 0.0.1) to ``path``;
    code-server installs it as ``<extensions dir>/<publisher>.<name>-<version>/``."""
    manifest = f"""<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011"
  xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="{name}" Version="{version}" Publisher="{publisher}" />
    <DisplayName>{name}</DisplayName>
    <Description xml:space="preserve">jupyter-vscode test extension</Description>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="^1.50.0" />
    </Properties>
  </Metadata>
  <Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation>
  <Dependencies/>
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json"
      Addressable="true" />
  </Assets>
</PackageManifest>
"""
    content_types = (
        '<?xml version="1.0" encoding="utf-8"?><Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension=".json" ContentType="application/json"/>'
        '<Default Extension=".vsixmanifest" ContentType="text/xml"/></Types>'
    )
    package = {
        "name": name,
        "publisher": publisher,
        "version": version,
        "displayName": name,
        "engines": {"vscode": "^1.50.0"},
        "contributes": {"commands": [{"command": f"{name}.hello", "title": "Hello"}]},
    }
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("extension.vsixmanifest", manifest)
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("extension/package.json", json.dumps(package))
    return path
