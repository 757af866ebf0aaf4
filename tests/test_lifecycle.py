"""`jupyter vscode lifecycle-config`: the generated SageMaker scripts, and running them.

The run tests execute each target's script in a sandbox: a temporary HOME, a fresh venv
standing in for Jupyter's Python (dependencies borrowed read-only from the test venv, so pip
works offline), this package as a wheel (built once per session, or $JUPYTER_VSCODE_TEST_WHEEL),
a code-server release tarball served over loopback HTTP or "S3", and stubs for `sudo`,
`systemctl`, `restart-jupyter-server` and `aws`. They then start Jupyter from that venv with
that HOME and fetch <base_url>vscode/ from the code-server the script installed: on Studio
from a release tarball with real content (test_installer_real_tarball builds and caches it),
on notebook instances from a small one whose `bin/code-server` wraps the real code-server.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from jupyter_vscode.cli import main
from jupyter_vscode.sagemaker.script import (
    MAX_CONTENT_CHARS,
    LifecycleError,
    LifecycleOptions,
    encode,
    render_script,
)

from .support.artifacts import build_wheel
from .support.sandbox import (
    DONE,
    FAILED,
    Sandbox,
    check_jupyter_serves_vscode,
    check_serves_vscode,
    generate,
    make_sandbox,
    put_s3,
    running_jupyter,
    settings,
    wait_for_result,
    write_stub,
)
from .support.vsix import make_vsix

# --- generation ------------------------------------------------------------------------


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
    pkg, sudo, restart, python, prefix, log = settings(
        script,
        "JV_PACKAGE",
        "JV_SUDO",
        "JV_RESTART_CMD",
        "JV_PYTHON",
        "JV_PREFIX",
        "JV_LOG",
        env={"HOME": "/home/sagemaker-user"},
    )
    assert pkg == "jupyter-vscode"
    assert sudo == ""  # Studio scripts already run as the user
    assert restart == "restart-jupyter-server"
    assert python == ""  # found at run time
    assert prefix == ""  # the installer's default, under the persistent home
    assert log == "/home/sagemaker-user/.jupyter-vscode-lifecycle.log"
    # the background leaves the script's session and process group
    assert "setsid bash" in script


def test_notebook_instance_defaults():
    script = render_script(LifecycleOptions(target="notebook-instance"))
    sudo, restart, python, prefix, data, log = settings(
        script,
        "JV_SUDO",
        "JV_RESTART_CMD",
        "JV_PYTHON",
        "JV_PREFIX",
        "JV_USER_DATA_DIR",
        "JV_LOG",
    )
    assert sudo == "sudo -u ec2-user -i"
    assert restart == "systemctl restart jupyter-server"
    assert python == "/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python"
    # only /home/ec2-user/SageMaker survives a stop/start
    for path in (prefix, data, log):
        assert path.startswith("/home/ec2-user/SageMaker/")


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


def presigned(n: int) -> str:
    return "https://bucket.s3.eu-west-1.amazonaws.com/key?X-Amz-Security-Token=" + "A" * n


def test_realistic_presigned_urls_fit():
    # presigned URLs with a session token run to ~1.5-2 kB each
    opts = LifecycleOptions(
        target="notebook-instance",
        wheel=presigned(2000) + "&f=jupyter_vscode-0.1.0-py3-none-any.whl",
        code_server_tarball=presigned(2000),
        code_server_sha256="0" * 64,
        extensions=("ms-python.python", "ms-toolsai.jupyter", "redhat.vscode-yaml"),
    )
    assert len(encode(render_script(opts))) <= MAX_CONTENT_CHARS


@pytest.mark.parametrize("form", [[], ["--base64"], ["--aws-cli"]])
def test_too_long_is_a_clear_error(capsys, form):
    code, out, err = generate(
        capsys, "--target", "studio", "--code-server-tarball", presigned(9000), *form
    )
    assert code == 2 and out == ""
    assert "16,384" in err and "base64" in err


def test_limit_is_checked_on_the_base64_text():
    fits, too_long = None, None
    for n in range(4000, 9000, 7):
        script = render_script(LifecycleOptions(target="studio", wheel=presigned(n)))
        size = len(base64.b64encode(script.encode()))
        if size <= MAX_CONTENT_CHARS:
            fits = script
        else:
            too_long = script
            break
    assert fits is not None and too_long is not None
    assert len(encode(fits)) <= MAX_CONTENT_CHARS
    with pytest.raises(LifecycleError):
        encode(too_long)


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


# --- running the scripts ---------------------------------------------------------------


@pytest.mark.timeout(900)
def test_studio_script_runs(sandbox, capsys, serve, real_tarball, package_wheel):
    wheel = put_s3(sandbox, f"bucket/wheels/{package_wheel.name}", package_wheel)
    script = sandbox.root / "on-jupyter-server-start.sh"
    code, _, err = generate(
        capsys,
        "--target",
        "studio",
        "--wheel",
        wheel,
        "--code-server-tarball",
        serve(real_tarball),
        "--allow-insecure-http",  # the loopback server speaks http
        "--python",
        str(sandbox.python),
        "-o",
        str(script),
    )
    assert code == 0, err
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    # Jupyter restarts (and loads the new extension) before code-server is installed: a
    # click before the install ends gets "not installed", one after it gets VS Code
    hold = sandbox.root / "hold-restart"
    hold.touch()
    proc = start(sandbox, script, JV_WAIT="0")
    proc.communicate(timeout=60)
    until(lambda: "restart-jupyter-server " in sandbox.calls(), 300, "Jupyter's restart")
    with running_jupyter(sandbox, "/jupyterlab/default/") as get:
        status, body = get("vscode/", timeout=60)
        assert "workbench" not in body and not prefix.exists(), (status, body[-500:])
        hold.unlink()
        text = wait_for_result(log)
        assert DONE in text, text
        check_serves_vscode(sandbox, get, prefix)  # no other restart

    assert f"Jupyter's Python: {sandbox.python}" in text
    assert os.access(prefix / "bin" / "code-server", os.X_OK), text
    version = real_tarball.name.split("-")[2]
    assert (prefix / "versions" / f"{version}-standalone" / "lib" / "vscode").is_dir(), text
    calls = sandbox.calls()
    assert f"aws s3 cp --only-show-errors {wheel} " in "\n".join(calls)
    assert calls.count("restart-jupyter-server ") == 1
    assert not any(c.startswith(("sudo", "systemctl")) for c in calls)
    assert "done (Jupyter restarted)" in text


@pytest.mark.timeout(900)
def test_jupyter_restarts_only_when_something_changed(sandbox, capsys, package_wheel):
    """Each start runs the script: Jupyter (kernels, terminals) restarts only when pip
    installed something, and then before the code-server download; a Jupyter of this Python
    that started before jupyter-vscode's install is restarted too."""
    tarball = put_s3(sandbox, "bucket/cs/code-server-4.20.0.tar.gz", small_tarball(sandbox))
    script = sandbox.root / "on-jupyter-server-start.sh"
    argv = ["--target", "studio", "--wheel", str(package_wheel), "--python", str(sandbox.python)]
    code, _, err = generate(capsys, *argv, "--code-server-tarball", tarball, "-o", str(script))
    assert code == 0, err
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    restart = "restart-jupyter-server "
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "restarting Jupyter now because pip installed jupyter-vscode-" in text, text
    calls = sandbox.calls()
    download = next(
        i for i, c in enumerate(calls) if c.startswith(f"aws s3 cp --only-show-errors {tarball}")
    )
    assert calls.index(restart) < download, calls  # restarted first
    assert text.index("restarting Jupyter now") < text.index("jupyter vscode install ")

    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "jupyter-vscode 0.1.0 already loaded, nothing changed: Jupyter not restarted" in text
    assert sandbox.calls().count(restart) == 1

    # a Jupyter of this Python started before jupyter-vscode was installed (or upgraded)
    fake = subprocess.Popen(
        [str(sandbox.python), "-c", "import time; time.sleep(300)", "jupyter-lab"]
    )
    try:
        record = next(
            (sandbox.root / "venv").glob(
                "lib/python*/site-packages/jupyter_vscode-*.dist-info/RECORD"
            )
        )
        later = time.time() + 100
        os.utime(record, (later, later))
        text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    finally:
        fake.kill()
        fake.wait(10)
    assert (
        f"because Jupyter (pid {fake.pid}) started before jupyter-vscode 0.1.0 was installed"
        in text
    ), text
    assert sandbox.calls().count(restart) == 2


@pytest.mark.timeout(900)
def test_notebook_instance_script_runs(sandbox, capsys, code_server_tarball, package_wheel):
    tarball = put_s3(sandbox, f"bucket/cs/{code_server_tarball.name}", code_server_tarball)
    vsix = put_s3(sandbox, "bucket/ext/hello.vsix", make_vsix(sandbox.root / "hello.vsix"))
    script = sandbox.root / "on-start.sh"
    code, _, err = generate(
        capsys,
        "--target",
        "notebook-instance",
        "--wheel",
        str(package_wheel),
        "--code-server-tarball",
        tarball,
        "--extensions",
        vsix,
        "-o",
        str(script),
    )
    assert code == 0, err
    persistent = sandbox.home / "SageMaker"  # stands in for /home/ec2-user/SageMaker
    prefix = persistent / ".jupyter-vscode"
    log = persistent / ".jupyter-vscode-lifecycle.log"
    env = dict(
        JV_PYTHON=str(sandbox.python),
        JV_PREFIX=str(prefix),
        JV_USER_DATA_DIR=str(persistent / ".jupyter-vscode-user-data"),
        JV_LOG=str(log),
    )
    text = sandbox.run_script(script, cwd="/", log=log, **env)  # as root, in /

    assert os.access(prefix / "bin" / "code-server", os.X_OK), text
    calls = sandbox.calls()
    # the user-level part runs in two steps, with Jupyter's restart in between
    assert calls.count("sudo -u ec2-user -i bash -s user") == 1
    assert calls.count("sudo -u ec2-user -i bash -s cs") == 1
    assert calls.count("systemctl restart jupyter-server") == 1
    assert sum(c.startswith(f"aws s3 cp --only-show-errors {tarball} ") for c in calls) == 1
    confd = Path(sysconfig.get_paths(vars={"base": str(sandbox.root / "venv")})["data"])
    config = json.loads((confd / "etc/jupyter/jupyter_server_config.json").read_text())
    assert config["VSCode"]["code_server"] == f"{prefix}/bin/code-server"
    assert f"export JUPYTER_VSCODE_PREFIX={prefix}" in (sandbox.home / ".bashrc").read_text()
    # extensions go where the Jupyter server's code-server looks: the persistent user data dir
    extensions = persistent / ".jupyter-vscode-user-data" / "extensions"
    assert (extensions / "jvtest.hello-0.0.1" / "package.json").is_file(), text

    # on-start runs at every start: the second run skips the download, and Jupyter's restart
    text = sandbox.run_script(script, cwd="/", log=log, **env)
    assert "code-server is already installed" in text
    assert "nothing changed: Jupyter not restarted" in text
    assert "done (Jupyter not restarted)" in sandbox.proc.stdout  # type: ignore[union-attr]
    calls = sandbox.calls()
    assert sum(c.startswith(f"aws s3 cp --only-show-errors {tarball} ") for c in calls) == 1
    assert calls.count("systemctl restart jupyter-server") == 1
    assert (sandbox.home / ".bashrc").read_text().count("JUPYTER_VSCODE_PREFIX") == 1

    # terminals: stale exports are replaced, never duplicated, the user's lines stay
    bashrc = sandbox.home / ".bashrc"
    bashrc.write_text(
        "alias ll='ls -l'\nexport JUPYTER_VSCODE_PREFIX=/old/prefix\n"
        "export JUPYTER_VSCODE_USER_DATA_DIR=/old/data\nexport JUPYTER_VSCODE_PREFIX=/older\n"
    )
    # a changed setting changes Jupyter's config: restart
    data = persistent / "other-user-data"
    env["JV_USER_DATA_DIR"] = str(data)
    text = sandbox.run_script(script, cwd="/", log=log, **env)
    assert "jupyter_server_config.json changed" in text, text
    assert sandbox.calls().count("systemctl restart jupyter-server") == 2
    assert bashrc.read_text().splitlines() == [
        "alias ll='ls -l'",
        f"export JUPYTER_VSCODE_PREFIX={prefix}",
        f"export JUPYTER_VSCODE_USER_DATA_DIR={data}",
    ]
    config = json.loads((confd / "etc/jupyter/jupyter_server_config.json").read_text())
    assert config["VSCode"]["user_data_dir"] == str(data)
    # a terminal's shell sees the dirs the server uses
    shell = subprocess.run(
        [
            "bash",
            "-c",
            f"source {bashrc}; echo $JUPYTER_VSCODE_PREFIX $JUPYTER_VSCODE_USER_DATA_DIR",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert shell.stdout.split() == [str(prefix), str(data)]
    env["JV_USER_DATA_DIR"] = str(persistent / ".jupyter-vscode-user-data")
    sandbox.run_script(script, cwd="/", log=log, **env)

    check_jupyter_serves_vscode(sandbox, "/", prefix)


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


PRESIGNED = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAJVTESTKEY%2F20261201%2Fus-east-1"
    "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjSECRETTOKEN%2B%2F&X-Amz-Signature=5ec2e7519a7e5"
)


@pytest.mark.timeout(600)
def test_presigned_url_secrets_stay_out_of_the_log(capsys, tmp_path, serve, tmp_path_factory):
    """pip's "Downloading <URL>", the installer's lines and the script's own `jupyter vscode
    install ... --from <URL>` all show the URLs without their query string."""
    from jupyter_vscode.installer.standalone import release_arch

    from .release_server import make_release_tarball

    sandbox = make_sandbox(tmp_path)
    wheel = build_wheel(tmp_path_factory)
    arch = release_arch()
    tarball = make_release_tarball(
        tmp_path / "dist" / f"code-server-4.20.0-linux-{arch}.tar.gz", "4.20.0", arch
    )
    wheel_url = serve(wheel).split("?")[0] + "?" + PRESIGNED
    tarball_url = serve(tarball).split("?")[0] + "?" + PRESIGNED
    script = tmp_path / "on-jupyter-server-start.sh"
    code, _, err = generate(
        capsys,
        "--target",
        "studio",
        "--wheel",
        wheel_url,
        "--code-server-tarball",
        tarball_url,
        "--allow-insecure-http",
        "--python",
        str(sandbox.python),
        "-o",
        str(script),
    )
    assert code == 0, err
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)

    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    assert (prefix / "versions" / "4.20.0-standalone" / "bin" / "code-server").is_file(), text
    assert f"{tarball_url.split('?')[0]}?<redacted>" in text  # the install command line
    assert f"{wheel_url.split('?')[0]}?<redacted>" in text  # pip's own output
    written = [log, *(p for p in prefix.rglob("*") if p.is_file() and p.stat().st_size < 1 << 20)]
    for secret in ("5ec2e7519a7e5", "SECRETTOKEN", "ASIAJVTESTKEY"):
        for path in written:
            assert secret not in path.read_text(errors="replace"), (secret, path)


# --- notebook instances: root and the user's files ------------------------------------------


def test_notebook_instance_log_is_written_as_the_user(userbox):
    log = Path(userbox.env["JV_LOG"])
    proc = userbox.run()
    assert str(log) in proc.stdout
    text = log.read_text()
    assert DONE in text and "installing as " + userbox.user in text, text
    assert "PROFILE TEXT" in text  # the user-level part runs in their login shell (sudo -i)
    # the foreground opens the log as the user without their login profile (slow, or blocking):
    # what it prints of the profile is the run's lines it copies
    assert proc.stdout.count("PROFILE TEXT") == text.count("PROFILE TEXT")
    assert "PROFILE TEXT" not in proc.stderr
    assert "sudo -u ec2-user tee -a " + str(log) in userbox.calls()
    uid = pwd_uid(userbox.user)
    assert log.stat().st_uid == uid  # created by the user, not by root
    assert (userbox.home / ".bashrc").stat().st_uid == uid
    assert (userbox.persistent / ".jupyter-vscode").stat().st_uid == uid
    # nothing else under the home directory belongs to root
    owned = [p for p in userbox.home.rglob("*") if p.lstat().st_uid != uid]
    assert owned == []


def pwd_uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


@pytest.mark.parametrize("plant", ["symlink", "hardlink", "symlinked-parent"])
def test_notebook_instance_log_link_cannot_reach_roots_files(userbox, plant):
    """The user plants a link where the log goes, to a file only root may write (or under a
    directory only root may write): the script must not write there."""
    vault = userbox.outside / "vault"  # root's, mode 0755
    vault.mkdir()
    target = vault / "precious"
    target.write_text("root's file\n")
    target.chmod(0o644)
    log = Path(userbox.env["JV_LOG"])
    if plant == "symlink":
        log.symlink_to(target)
    elif plant == "hardlink":
        os.link(target, log)  # fs.protected_hardlinks=0 lets a user do this
    else:
        # ~/SageMaker itself is a link to a root-owned directory
        shutil.rmtree(userbox.persistent)
        userbox.persistent.symlink_to(vault)
        userbox.env["JV_PREFIX"] = str(userbox.home / ".jupyter-vscode")
    before = sorted(p.name for p in vault.iterdir())

    proc = userbox.run()

    assert target.read_text() == "root's file\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.stat().st_uid == 0
    assert sorted(p.name for p in vault.iterdir()) == before  # no log created there
    assert f"cannot write the log {log} as the user" in proc.stdout, proc.stdout + proc.stderr
    # the install itself went ahead, as the user
    assert (userbox.home / ".bashrc").stat().st_uid == pwd_uid(userbox.user)


# --- the run's flow: output, log, lock, restarts, fragile assumptions ------------------------


@pytest.fixture
def quick(tmp_path: Path) -> Sandbox:
    """A Studio sandbox in seconds: Jupyter's Python is this test venv's behind a stub in
    which pip only records (jupyter-vscode is installed already); the rest, the installer
    included, runs for real. With FAKE_INSTALL=1, `jupyter vscode install` only records."""
    stub = tmp_path / "py" / "python"
    stub.parent.mkdir()
    rec = shlex.quote(str(tmp_path / "calls.txt"))
    py = shlex.quote(sys.executable)
    write_stub(
        stub,
        'case "$1 $2 $3" in\n'
        f'"-m pip install") echo "pip $*" >>{rec}; echo "Requirement already satisfied" ;;\n'
        '"-m jupyter_vscode.cli install")\n'
        f'  [ -n "${{FAKE_INSTALL-}}" ] || exec {py} "$@"\n'
        f'  echo "install $*" >>{rec}; mkdir -p "$5/bin"\n'
        '  printf "#!/bin/sh\\n" >"$5/bin/code-server"\n'
        '  chmod +x "$5/bin/code-server" ;;\n'
        f'*) exec {py} "$@" ;;\n'
        "esac\n",
    )
    return make_sandbox(tmp_path, python=stub)


def studio_script(sandbox: Sandbox, **opts: object) -> Path:
    script = sandbox.root / "on-jupyter-server-start.sh"
    script.write_text(render_script(LifecycleOptions(target="studio", **opts)))  # type: ignore[arg-type]
    return script


def small_tarball(sandbox: Sandbox, version: str = "4.20.0") -> Path:
    from jupyter_vscode.installer.standalone import release_arch

    from .release_server import make_release_tarball

    arch = release_arch()
    dest = sandbox.root / "dist" / f"code-server-{version}-linux-{arch}.tar.gz"
    return make_release_tarball(dest, version, arch)


def studio_log(sandbox: Sandbox) -> Path:
    return sandbox.home / ".jupyter-vscode-lifecycle.log"


def start(sandbox: Sandbox, script: Path, **env: str) -> subprocess.Popen[str]:
    """Start the script in a session of its own (its pid is its pgid and sid)."""
    return subprocess.Popen(
        ["bash", str(script)],
        cwd=str(sandbox.home),
        env={**sandbox.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def until(check, timeout: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.1)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", ["404", "sha256"])
@pytest.mark.parametrize("fail_on_error", [False, True])
def test_failed_install_reaches_the_output_and_the_log(quick, serve, fault, fail_on_error):
    """SageMaker sends the script's output to CloudWatch: a failed install shows there with
    its reason, and in the log; only --fail-on-error makes the script (the start) fail."""
    tarball = small_tarball(quick)
    url = serve(tarball)
    if fault == "404":
        url = url.replace(tarball.name, "gone-" + tarball.name)
    script = studio_script(
        quick,
        code_server_tarball=url,
        code_server_sha256="0" * 64 if fault == "sha256" else None,
        allow_insecure_http=True,
        fail_on_error=fail_on_error,
    )
    proc = subprocess.run(
        ["bash", str(script)],
        cwd=str(quick.home),
        env=quick.env,
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert proc.returncode == (1 if fail_on_error else 0), proc.stdout + proc.stderr
    reason = "404" if fault == "404" else "sha256"
    result = [line for line in proc.stdout.splitlines() if FAILED in line]
    assert len(result) == 1 and "installing code-server: " in result[0], proc.stdout
    assert reason in result[0].lower(), result
    assert "X-Amz-Signature=abc" not in proc.stdout  # redacted there too
    text = wait_for_result(studio_log(quick))
    assert result[0] in text and DONE not in text, text


@pytest.mark.timeout(120)
def test_background_leaves_the_scripts_session_and_output(quick):
    """--wait 0 returns at once; the background is in a session and process group of its own
    and holds none of the script's output open (SageMaker may wait for EOF)."""
    tarball = put_s3(quick, "bucket/cs.tar.gz", small_tarball(quick))
    script = studio_script(quick, code_server_tarball=tarball, wait=0)
    (quick.root / "hold-aws").touch()  # the background waits in `aws s3 cp`
    proc = start(quick, script, FAKE_INSTALL="1")
    out, err = proc.communicate(timeout=60)  # EOF on both while the background waits
    assert proc.returncode == 0, out + err
    assert FAILED not in out and DONE not in out
    session = quick.root / "aws-session"
    until(lambda: session.exists() and session.read_text().split(), what="aws stub")
    pgid, sid = map(int, session.read_text().split())
    assert proc.pid not in (pgid, sid)  # setsid: the script's pid is its pgid and sid
    log = studio_log(quick)
    assert DONE not in log.read_text()  # the run goes on after the script returned
    (quick.root / "hold-aws").unlink()
    assert DONE in wait_for_result(log, 60)


@pytest.mark.timeout(120)
def test_wait_runs_out_and_says_where_the_result_goes(quick):
    tarball = put_s3(quick, "bucket/cs.tar.gz", small_tarball(quick))
    script = studio_script(quick, code_server_tarball=tarball, wait=2)
    (quick.root / "hold-aws").touch()
    proc = start(quick, script, FAKE_INSTALL="1")
    out, err = proc.communicate(timeout=60)
    log = studio_log(quick)
    assert proc.returncode == 0, out + err
    assert f"no result after 2 s: the run goes on, see {log}" in out
    assert "lifecycle: started as " in out  # the run's lines until then
    (quick.root / "hold-aws").unlink()
    assert DONE in wait_for_result(log, 60)


@pytest.mark.timeout(120)
def test_log_is_appended_and_rotated(quick):
    log = studio_log(quick)
    old = "an earlier run's line\n" * (1 + (1 << 20) // 22)  # just over 1 MiB
    log.write_text(old)
    script = studio_script(quick)
    env = {"FAKE_INSTALL": "1"}
    quick.run_script(script, cwd=str(quick.home), log=log, **env)
    assert Path(f"{log}.1").read_text() == old  # rotated, one old file kept
    first = log.read_text()
    assert first.startswith(first.splitlines()[0]) and "earlier run" not in first
    assert first.count("lifecycle: started") == 1
    quick.run_script(script, cwd=str(quick.home), log=log, **env)
    text = log.read_text()
    assert text.startswith(first) and text.count("lifecycle: started") == 2  # appended
    assert Path(f"{log}.1").read_text() == old


@pytest.mark.timeout(180)
def test_overlapping_runs_are_serialised(quick):
    """A second run waits for the first (and says so): their lines never interleave."""
    tarball = put_s3(quick, "bucket/cs.tar.gz", small_tarball(quick))
    script = studio_script(quick, code_server_tarball=tarball, wait=0)
    hold = quick.root / "hold-aws"
    hold.touch()
    first = start(quick, script, FAKE_INSTALL="1")
    first.communicate(timeout=60)
    until(lambda: any(c.startswith("aws s3 cp") for c in quick.calls()), what="first run")
    (quick.root / "on-start-2.sh").write_text(script.read_text())
    second = start(quick, quick.root / "on-start-2.sh", FAKE_INSTALL="1", JV_WAIT="100")
    assert second.stdout is not None
    line = second.stdout.readline()  # "installing in the background ..."
    line = second.stdout.readline()
    assert "waiting for another run (" in line, line
    hold.unlink()
    out, _ = second.communicate(timeout=100)
    assert second.returncode == 0 and DONE in out, out
    text = studio_log(quick).read_text()
    runs: list[list[str]] = []
    for line in text.splitlines():
        if "jupyter-vscode lifecycle: started" in line:
            runs.append([])
        runs[-1].append(line)
    assert len(runs) == 2, text
    for run in runs:
        # each run's lines from its start to its result, the next run's after them
        assert DONE in run[-1] and sum(DONE in line for line in run) == 1, text
    assert "s for another run" in runs[1][0] and "after waiting " in runs[1][0], text


@pytest.mark.timeout(120)
def test_home_unset_falls_back_to_the_passwd_database(quick):
    """Some start paths have no HOME: the script must not stop at `set -u`."""
    script = studio_script(quick)
    env = {k: v for k, v in quick.env.items() if k != "HOME"}
    getent = quick.root / "stubs" / "getent"
    write_stub(getent, f'[ "$1" = passwd ] && echo "u:x:{os.getuid()}:0::{quick.home}:/bin/sh"\n')
    proc = subprocess.run(
        ["bash", str(script)],
        cwd="/",
        env={**env, "FAKE_INSTALL": "1"},
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0 and DONE in proc.stdout, proc.stdout + proc.stderr
    assert DONE in wait_for_result(studio_log(quick), 60)

    # no home at all: a clear message, and the app start goes on (unless --fail-on-error)
    write_stub(getent, "exit 2\n")
    for fail, code in (("", 0), ("1", 1)):
        proc = subprocess.run(
            ["bash", str(script)],
            cwd="/",
            env={**env, "JV_FAIL_ON_ERROR": fail},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == code, proc.stdout + proc.stderr
        assert "FAILED: no HOME, and none for uid" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "glibc, pin, expect",
    [
        ("2.26", None, "installs 4.16.1"),
        ("2.26", "4.139.1", "fails early"),
        ("2.26", "4.16.1", "installs 4.16.1"),
        ("2.36", None, "no note"),
    ],
)
def test_old_glibc_is_said_up_front(quick, glibc, pin, expect):
    """Amazon Linux 2 (glibc 2.26) runs code-server 4.16.1 at most. The script reads the
    glibc with `getconf GNU_LIBC_VERSION` (here a stub on PATH)."""
    write_stub(quick.root / "stubs" / "getconf", f'echo "glibc {glibc}"\n')
    script = studio_script(quick, code_server_version=pin)
    ok = expect != "fails early"
    text = quick.run_script(
        script, cwd=str(quick.home), log=studio_log(quick), ok=ok, FAKE_INSTALL="1"
    )
    out = quick.proc.stdout  # type: ignore[union-attr]
    installs = [c for c in quick.calls() if c.startswith("install ")]
    note = f"glibc {glibc} (Amazon Linux 2?) runs code-server 4.16.1 at most"
    if expect == "no note":
        assert "runs code-server 4.16.1 at most" not in out and "--version" not in installs[0]
        return
    # up front: right after the start line, before any install step
    assert note in out.splitlines()[2] and note in text.splitlines()[1], out
    if ok:
        assert "--version 4.16.1" in installs[0], installs
    else:
        assert f"FAILED: {note}, not 4.139.1: use --code-server-version 4.16.1" in out, out
        assert not any(c.startswith(("pip", "install")) for c in quick.calls())


@pytest.mark.timeout(600)
def test_studio_installs_into_the_persistent_home(tmp_path, capsys, package_wheel):
    """Studio's /opt/conda comes from the image at every start, the home persists: with the
    user site enabled, jupyter-vscode goes to ~/.local, where Jupyter finds it at the next
    start, so that start changes nothing and restarts nothing."""
    sandbox = make_sandbox(tmp_path, user_site=True)
    script = tmp_path / "on-jupyter-server-start.sh"
    argv = ["--target", "studio", "--wheel", str(package_wheel), "--python", str(sandbox.python)]
    tarball = put_s3(sandbox, "bucket/cs/code-server-4.20.0.tar.gz", small_tarball(sandbox))
    code, _, err = generate(capsys, *argv, "--code-server-tarball", tarball, "-o", str(script))
    assert code == 0, err
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "restarting Jupyter now because pip installed jupyter-vscode-" in text
    local = sandbox.home / ".local"
    assert next(local.glob("lib/python*/site-packages/jupyter_vscode/__init__.py"), None), text
    assert (local / "etc/jupyter/jupyter_server_config.d/jupyter_vscode.json").is_file()
    assert not list((tmp_path / "venv").glob("lib/python*/site-packages/jupyter_vscode"))

    # the next start: the image's Python is as new, the home still has the package
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "nothing changed: Jupyter not restarted" in text, text
    assert sandbox.calls().count("restart-jupyter-server ") == 1
    with running_jupyter(sandbox, "/jupyterlab/default/") as get:
        status, body = get("api/vscode/status")
        assert status == 200 and json.loads(body)["state"], body  # the extension is loaded
