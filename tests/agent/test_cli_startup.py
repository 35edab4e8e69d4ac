"""The command line starts fast: the help screen imports no command module, and its list is the truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sdga.cli import COMMANDS, load_module_commands


def test_the_command_list_matches_the_modules() -> None:
    modules = sorted({module for module, _ in COMMANDS.values()})
    registered = {name: cmd for module in modules for name, cmd in load_module_commands(module).items()}
    assert set(registered) == set(COMMANDS), "add new commands to sdga.cli.COMMANDS"
    for name, (module, line) in COMMANDS.items():
        assert name in load_module_commands(module)
        help_text = (registered[name].help or "").strip().splitlines()[0]
        assert help_text == line, (name, help_text)


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from sdga.cli import main\n"
        "sys.argv = ['sdga', '--help']\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "heavy = ['sdga.cli.generate', 'sdga.cli.quality', 'sdga.cli.service', 'sdga.cli.agent', 'sdga.cli.mcp',\n"
        "         'sdga.engine', 'sdga.service', 'numpy', 'pyarrow']\n"
        "print(__import__('json').dumps({'loaded': [m for m in heavy if m in sys.modules],\n"
        "                                'listed': 'generate' in out.getvalue() and 'ask' in out.getvalue()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"loaded": [], "listed": True}


@pytest.mark.parametrize("argv", [["ask", "--help"], ["kb", "--help"], ["templates"]])
def test_commands_still_run(argv: list[str]) -> None:
    from typer.testing import CliRunner

    from sdga.cli import app

    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
