"""SageMaker lifecycle configurations (``jupyter vscode lifecycle-config``).

- ``lifecycle.sh``: the bash script itself, with ``@@NAME@@`` placeholders;
- ``script.py``: its options validated, the placeholders filled, the base64 text SageMaker takes;
- ``log.py``: the script's log read back (how its last run ended, the command that reruns it),
  for the not-installed page, the status API and ``jupyter vscode doctor``.

The command line is ``commands/lifecycle_config.py``.
"""
