"""``sigforge COMMAND --help`` documents every option and states each default once, next to
the option, as the user would type it (no hidden defaults such as refit's genome build)."""

from __future__ import annotations

import argparse
import re

import pytest

from sigforge.cli import _build_parser, main
from sigforge.cli._common import COMMANDS, HelpFormatter, shows_default


def command_parser(command: str) -> argparse.ArgumentParser:
    """The fully declared parser of ``command``, as ``sigforge COMMAND --help`` builds it."""
    sub = next(action for action in _build_parser([command])._actions
               if isinstance(action, argparse._SubParsersAction))
    return sub.choices[command]


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every optional action of ``parser`` but -h/--help."""
    return [action for action in parser._actions
            if action.option_strings and not isinstance(action, argparse._HelpAction)]


def option_blocks(help_text: str) -> dict[str, str]:
    """Each option's entry of a rendered --help (invocation and help) on one line, keyed by
    each of its option strings; lines broken at a hyphen are joined back."""
    blocks: dict[str, str] = {}
    entry: list[str] = []

    def close() -> None:
        if entry:
            invocation = entry[0].strip().split("  ")[0]
            text = " ".join(re.sub(r"-\n\s+", "-", "\n".join(entry)).split())
            for part in invocation.split(", "):
                blocks[part.split()[0]] = text
        entry.clear()

    for line in help_text.splitlines():
        if re.match(r"^ {2}-", line):
            close()
            entry.append(line)
        elif entry and line.startswith("   "):
            entry.append(line)
        else:
            close()
    close()
    return blocks


def default_texts(default: object) -> list[str]:
    """The ways ``--help`` may write ``default``: as typed (list items by spaces), a switch as
    on or off, or a float to 4 significant digits where the help says so."""
    if isinstance(default, list | tuple):
        return [" ".join(str(item) for item in default)]
    texts = [str(default)]
    if isinstance(default, bool):
        texts.append("on" if default else "off")
    if isinstance(default, float):
        texts.append(f"{default:.4g}")
    return texts


@pytest.fixture(autouse=True)
def _fixed_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render help at 80 columns whatever the terminal running the tests."""
    monkeypatch.setenv("COLUMNS", "80")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_option_has_help(command: str) -> None:
    for action in options(command_parser(command)):
        assert action.help and action.help.strip() and action.help != argparse.SUPPRESS, \
            (command, action.option_strings)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_default_is_shown_next_to_its_option(command: str) -> None:
    parser = command_parser(command)
    blocks = option_blocks(parser.format_help())
    for action in options(parser):
        if not shows_default(action):
            continue
        block = blocks[action.option_strings[-1]]
        assert any(f"default: {text}" in block for text in default_texts(action.default)), \
            (command, action.option_strings, action.default, block)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_option_states_its_default_twice(command: str) -> None:
    parser = command_parser(command)
    blocks = option_blocks(parser.format_help())
    for action in options(parser):
        block = blocks[action.option_strings[-1]]
        assert block.lower().count("default:") <= 1, (command, action.option_strings, block)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_shows_no_python_reprs(command: str) -> None:
    text = command_parser(command).format_help()
    assert "['" not in text and "[]" not in text and "None" not in text, command


def test_every_option_has_an_entry() -> None:
    """The entries found are the options declared (the block parsing misses none)."""
    for command in COMMANDS:
        parser = command_parser(command)
        blocks = option_blocks(parser.format_help())
        for action in options(parser):
            assert action.option_strings[-1] in blocks, (command, action.option_strings)


def test_refit_help_names_grch37_as_the_default_genome_build() -> None:
    parser = command_parser("refit")
    assert parser.get_default("genome_build") == "GRCh37"
    block = option_blocks(parser.format_help())["--genome-build"]
    assert "(default: GRCh37)" in block


def test_global_options_have_help() -> None:
    parser = _build_parser([])
    for action in options(parser):
        assert action.help and action.help.strip(), action.option_strings


def test_formatter_appends_the_default_once() -> None:
    parser = argparse.ArgumentParser(formatter_class=HelpFormatter)
    parser.add_argument("--plain", default=3, help="a number")
    parser.add_argument("--own", default=4, help="a number (default: %(default)s, the best)")
    parser.add_argument("--items", nargs="+", default=["A", "B"], help="some items")
    parser.add_argument("--flag", action="store_true", help="a switch")
    parser.add_argument("--unset", default=None, help="nothing by default")
    blocks = option_blocks(parser.format_help())
    assert blocks["--plain"].endswith("a number (default: 3)")
    assert blocks["--own"].count("default:") == 1 and "(default: 4, the best)" in blocks["--own"]
    assert "(default: A B)" in blocks["--items"]
    assert "default:" not in blocks["--flag"] and "default:" not in blocks["--unset"]


def test_version_is_printed_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    """--version reads the installed version only when asked (jobs never pay for it)."""
    import importlib.metadata

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"sigforge {importlib.metadata.version('sigforge')}\n"
