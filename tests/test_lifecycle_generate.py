"""`jupyter vscode lifecycle-config` without running the scripts: bash with LF endings, each
target's settings as bash reads them, quoted values, option errors and the output forms
(`--base64`, `--aws-cli`, `-o`); and the script's search for Jupyter's Python, run alone.
"""

from __future__ import annotations

import base64
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_vscode._version import __version__
from jupyter_vscode.cli import main
from jupyter_vscode.sagemaker.script import (
    LifecycleOptions,
    render_script,
)

from .support.sandbox import (
    generate,
    settings,
    write_stub,
)


@pytest.mark.parametrize("target", ["studio", "notebook-instance"])
def test_script_is_bash_with_lf_endings(target, tmp_path):
    script = render_script(LifecycleOptions(target=target))
    assert script.startswith("#!/bin/bash\n")
    assert "\nset -eu\n" in script
    assert "\r" not in script
    assert "@@" not in script
    path = tmp_path / "on-start.sh"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_studio_defaults():
    script = render_script(LifecycleOptions(target="studio"))
    names = "JV_PACKAGE JV_SUDO JV_RESTART_CMD JV_PYTHON JV_PREFIX JV_LOG".split()
    home = {"HOME": "/home/sagemaker-user"}
    pkg, sudo, restart, python, prefix, log = settings(script, *names, env=home)
    assert pkg == f"jupyter-vscode=={__version__}"  # the generator's own version (issue 21)
    assert sudo == ""  # Studio scripts already run as the user
    assert restart == "restart-jupyter-server"
    assert python == ""  # found at run time
    assert prefix == ""  # the installer's default, under the persistent home
    assert log == "/home/sagemaker-user/.jupyter-vscode-lifecycle.log"
    # the lock: not in the home directory itself, which VS Code's Explorer shows (issue 21)
    assert settings(script, "JV_LOCK", env=home) == [
        "/home/sagemaker-user/.cache/jupyter-vscode-lifecycle.lock"
    ]
    # the background leaves the script's session and process group
    assert "setsid bash" in script


def test_notebook_instance_defaults():
    script = render_script(LifecycleOptions(target="notebook-instance"))
    names = "JV_SUDO JV_RESTART_CMD JV_PYTHON JV_PREFIX JV_USER_DATA_DIR JV_LOG".split()
    sudo, restart, python, prefix, data, log = settings(script, *names)
    assert sudo == "sudo -u ec2-user -i"
    assert restart == "systemctl restart jupyter-server"
    assert python == "/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python"
    # only /home/ec2-user/SageMaker survives a stop/start
    for path in (prefix, data, log):
        assert path.startswith("/home/ec2-user/SageMaker/")
    assert settings(script, "JV_LOCK") == ["/run/jupyter-vscode-lifecycle.lock"]  # root's


def test_values_are_shell_quoted_and_overridable():
    nasty = "/tmp/a b/it's $(touch /tmp/pwned) `x`.whl"
    script = render_script(
        LifecycleOptions(
            target="studio",
            wheel=nasty,
            code_server_tarball="https://bucket.s3.amazonaws.com/cs.tar.gz?X-Amz-Signature=a&b=c",
            code_server_version="4.139.1",
            extensions=("ms-python.python", "ms-toolsai.jupyter@2024.1.0"),
            pip_args="--index-url 'https://mirror/simple'",
            python="/opt/conda/bin/python",
            gallery="https://open-vsx.org/vscode",
        )
    )
    assert settings(
        script,
        "JV_PACKAGE",
        "JV_TARBALL",
        "JV_EXTENSIONS",
        "JV_PIP_ARGS",
        "JV_PYTHON",
        "JV_GALLERY",
    ) == [
        nasty,
        "https://bucket.s3.amazonaws.com/cs.tar.gz?X-Amz-Signature=a&b=c",
        "ms-python.python ms-toolsai.jupyter@2024.1.0",
        "--index-url https://mirror/simple",
        "/opt/conda/bin/python",
        "https://open-vsx.org/vscode",
    ]
    assert settings(script, "JV_PYTHON", "JV_SUDO", env={"JV_PYTHON": "/x/python"}) == [
        "/x/python",
        "",
    ]


def test_wait_and_fail_on_error(capsys):
    _, script, _ = generate(capsys, "--target", "studio")
    assert settings(script, "JV_WAIT", "JV_FAIL_ON_ERROR") == ["120", ""]  # within 5 min
    _, script, _ = generate(capsys, "--target", "studio", "--wait", "0", "--fail-on-error")
    assert settings(script, "JV_WAIT", "JV_FAIL_ON_ERROR") == ["0", "1"]


def test_package_version_pins():
    script = render_script(LifecycleOptions(target="studio", package_version="0.1.0"))
    assert settings(script, "JV_PACKAGE") == ["jupyter-vscode==0.1.0"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--wheel", "x.whl", "--package-version", "1.0"], "exclude each other"),
        (["--code-server-sha256", "ab" * 32], "needs --code-server-tarball"),
        (["--code-server-tarball", "t.tgz", "--code-server-sha256", "xyz"], "64 hex digits"),
        (["--extensions", "ms-python.python", "bad id"], "--extensions 'bad id'"),
        (["--extensions", "*"], "--extensions '*'"),
        (["--gallery", ""], "--gallery"),
        (["--prefix", "relative/dir"], "absolute path"),
        (["--package-version", "1.0; rm -rf /"], "is not a version"),
        (["--wheel", "a\r\nb"], "control characters"),
        (["--aws-cli", "--name", "no_underscores"], "--name"),
        (["--pip-args", "'unbalanced"], "--pip-args"),
        (["--code-server-tarball", "http://h/cs.tgz?X-Amz-Signature=s"], "h/cs.tgz?<redacted>'"),
        (["--wheel", "HTTP://h/w.whl"], "is plain http"),
        (["--wait", "271"], "--wait 271: choose 0 to 270 seconds"),
        (["--wait", "-1"], "--wait -1: choose 0 to 270 seconds"),
    ],
)
def test_option_errors_exit_2(capsys, argv, message):
    code, out, err = generate(capsys, "--target", "studio", *argv)
    assert code == 2 and out == ""
    assert message in err and err.startswith("jupyter vscode lifecycle-config: error:")


def test_app_type_is_for_studio_only(capsys):
    code, out, err = generate(capsys, "--target", "notebook-instance", "--app-type", "JupyterLab")
    assert code == 2 and "studio only" in err


def test_unknown_target_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["lifecycle-config", "--target", "emr"])
    assert exc.value.code == 2


@pytest.mark.parametrize("target", ["studio", "notebook-instance"])
def test_base64_round_trip(capsys, tmp_path, target):
    _, script, _ = generate(capsys, "--target", target)
    code, b64, _ = generate(capsys, "--target", target, "--base64")
    assert code == 0 and b64.endswith("\n") and b64.count("\n") == 1
    assert base64.b64decode(b64.strip(), validate=True).decode() == script
    # the blog's `openssl base64 -A` / `base64 -w0` of the script gives the same text
    (tmp_path / "s.sh").write_text(script)
    ours = subprocess.run(
        ["base64", "-w0", str(tmp_path / "s.sh")], capture_output=True, text=True, check=True
    ).stdout
    assert ours == b64.strip()


def aws_argv(text: str) -> list[str]:
    assert "\r" not in text and text.endswith("\n")
    return shlex.split(text.replace("\\\n", " "))


def test_aws_cli_studio(capsys):
    _, script, _ = generate(capsys, "--target", "studio")
    code, out, _ = generate(capsys, "--target", "studio", "--aws-cli")
    argv = aws_argv(out)
    assert code == 0
    assert argv[:3] == ["aws", "sagemaker", "create-studio-lifecycle-config"]
    opts = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert opts["--studio-lifecycle-config-name"] == "jupyter-vscode"
    assert opts["--studio-lifecycle-config-app-type"] == "JupyterLab"
    assert base64.b64decode(opts["--studio-lifecycle-config-content"]).decode() == script

    _, out, _ = generate(
        capsys, "--target", "studio", "--aws-cli", "--app-type", "JupyterServer", "--name", "vs-1"
    )
    opts = dict(zip(aws_argv(out)[3::2], aws_argv(out)[4::2], strict=True))
    assert opts["--studio-lifecycle-config-app-type"] == "JupyterServer"
    assert opts["--studio-lifecycle-config-name"] == "vs-1"


def test_aws_cli_notebook_instance(capsys):
    _, script, _ = generate(capsys, "--target", "notebook-instance")
    code, out, _ = generate(capsys, "--target", "notebook-instance", "--aws-cli")
    argv = aws_argv(out)
    assert code == 0
    assert argv[:5] == [
        "aws",
        "sagemaker",
        "create-notebook-instance-lifecycle-config",
        "--notebook-instance-lifecycle-config-name",
        "jupyter-vscode",
    ]
    assert argv[5] == "--on-start" and argv[6].startswith("Content=")
    assert base64.b64decode(argv[6].removeprefix("Content=")).decode() == script
    assert len(argv) == 7


def test_output_file(capsys, tmp_path):
    out = tmp_path / "on-start.sh"
    assert generate(capsys, "--target", "studio", "-o", str(out))[:2] == (0, "")
    assert out.stat().st_mode & stat.S_IXUSR
    data = out.read_bytes()
    assert b"\r" not in data and data.startswith(b"#!/bin/bash\n")
    b64 = tmp_path / "content.b64"
    assert generate(capsys, "--target", "studio", "--base64", "-o", str(b64))[0] == 0
    assert base64.b64decode(b64.read_bytes(), validate=True) == data  # no newline: file:// ok


def find_python(
    script: str, tmp_path: Path, jv_python: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run only the script's jv_find_python, with no running Jupyter in sight."""
    func = re.search(r"^jv_find_python\(\) \{.*?^\}$", script, re.S | re.M).group(0)  # type: ignore[union-attr]
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    write_stub(fake / "pgrep", "exit 1\n")  # no running jupyter-lab / jupyter-server
    (fake / "jupyter-lab").write_text(f"#!{sys.executable}\nprint('not run')\n")
    (fake / "jupyter-lab").chmod(0o755)
    return subprocess.run(
        ["bash", "-c", f"set -eu\nJV_PYTHON={shlex.quote(jv_python)}\n{func}\njv_find_python"],
        env={"PATH": f"{fake}:/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )


def test_studio_finds_jupyters_python(tmp_path):
    script = render_script(LifecycleOptions(target="studio"))
    # the interpreter in jupyter-lab's shebang (the dev venv's here), not python3 on PATH
    proc = find_python(script, tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == sys.executable, proc.stderr
    # a given Python is used as is; one that cannot import jupyter_server is an error
    assert find_python(script, tmp_path, sys.executable).stdout.strip() == sys.executable
    assert find_python(script, tmp_path, "/usr/bin/false").returncode == 1
