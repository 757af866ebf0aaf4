"""Issue 13, point 5: the `--extensions` forms the lifecycle script accepts (the others are
refused naming them), and a run with an absolute .vsix path: it lands where Jupyter's
code-server looks, and a missing one fails naming it.

The run tests execute the generated scripts in the lifecycle sandbox (tests/support/sandbox.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jupyter_vscode.sagemaker.script import (
    EXTENSION_FORMS,
)

from .support.artifacts import build_wheel
from .support.sandbox import DONE as DONE_LINE
from .support.sandbox import FAILED as FAILED_LINE
from .support.sandbox import (
    generate,
    make_sandbox,
    put_s3,
    server_env,
    settings,
    start_script,
    wait_for_result,
    write_script,
)
from .support.vsix import make_vsix

ACCEPTED = [
    "ms-python.python",
    "ms-toolsai.jupyter@2024.1.0",
    "redhat.vscode-yaml@1.15.0-pre",
    "/home/sagemaker-user/tools/my-tool.vsix",
    "/opt/extensions/my_tool-1.2.3.vsix",
    "s3://my-bucket/vsix/my-tool.vsix",
]


def test_every_accepted_form_reaches_the_script(capsys):
    code, script, err = generate(capsys, "--target", "studio", "--extensions", *ACCEPTED)
    assert code == 0, err
    assert settings(script, "JV_EXTENSIONS") == [" ".join(ACCEPTED)]


@pytest.mark.parametrize(
    "ext, why",
    [
        ("tool.vsix", "a relative path: the script runs in /"),
        ("./tools/tool.vsix", "a relative path"),
        ("~/tool.vsix", "does not expand ~"),
        ("/efs/my tool.vsix", "contains a space"),
        ("/efs/*.vsix", "shell character"),
        ("/efs/$(id).vsix", "shell character"),
        ("https://artifacts.example.com/tool.vsix", "URLs are not supported"),
        ("http://h/tool.vsix?X-Amz-Signature=SECRET", "URLs are not supported"),
        ("file:///efs/tool.vsix", "URLs are not supported"),
        ("/efs/tool.zip", "must name a .vsix file"),
        ("s3://bucket/tool", "must name a .vsix file"),
        ("python", "expected a marketplace ID"),
        ("ms-python.python@latest", "expected a marketplace ID"),
    ],
)
def test_other_forms_are_refused_naming_the_accepted_ones(capsys, ext, why):
    code, out, err = generate(capsys, "--target", "studio", "--extensions", ext)
    assert code == 2 and out == "", err
    assert why in err
    assert EXTENSION_FORMS in " ".join(err.split())
    assert "SECRET" not in err  # URLs are shown redacted


@pytest.mark.timeout(900)
def test_absolute_vsix_path_lands_where_the_server_looks(
    tmp_path,
    capsys,
    code_server_tarball,  # noqa: F811
    package_wheel,  # noqa: F811
):
    sandbox = make_sandbox(tmp_path)
    (tmp_path / "efs" / "tools").mkdir(parents=True)  # stands in for a path on EFS
    vsix = make_vsix(tmp_path / "efs" / "tools" / "hello.vsix")
    tarball = put_s3(sandbox, f"bucket/cs/{code_server_tarball.name}", code_server_tarball)
    options = dict(wheel=package_wheel, tarball=tarball, extensions=vsix)
    script = write_script(capsys, sandbox, "studio", "on-start.sh", **options)
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    text = sandbox.run_script(script, cwd="/", log=log)

    # the extensions dir the Jupyter server's code-server uses (c.VSCode's, in its env)
    where = subprocess.run(
        [
            str(sandbox.python),
            "-c",
            "from jupyter_vscode.config import VSCode as V; print(V().extensions_dir)",
        ],
        env=server_env(sandbox),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert where.startswith(str(sandbox.home)), where
    assert (Path(where) / "jvtest.hello-0.0.1" / "package.json").is_file(), text


@pytest.mark.timeout(600)
def test_missing_vsix_path_fails_naming_it(tmp_path, capsys, tmp_path_factory):
    sandbox = make_sandbox(tmp_path)
    wheel = build_wheel(tmp_path_factory)
    missing = "/nonexistent/efs/my-tool.vsix"
    script = write_script(capsys, sandbox, "studio", "on-start.sh", wheel=wheel, extensions=missing)
    start_script(sandbox, script)
    text = wait_for_result(sandbox.home / ".jupyter-vscode-lifecycle.log")
    assert FAILED_LINE in text and DONE_LINE not in text
    assert f"cannot read the extension file {missing} (--extensions)" in text
    assert "-m jupyter_vscode.cli install --prefix" not in text  # failed before installing
    assert "restart-jupyter-server" not in "\n".join(sandbox.calls())
