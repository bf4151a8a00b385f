"""`textembed phrases`: the joined text and the summary on a small corpus, the
inputs skipgram takes (gzip, standard input, other encodings), and the CLI
contract on bad input: one error line, the exit code, no file written or
replaced (also on Ctrl-C)."""
import gzip
import re

import pytest

from clitest import run_main, write, assert_one_error, folder, run_cli
from textembed.cli import phrases as cli_phrases
from textembed.word2vec import phrases as library

# new 4, york 4, the 1, times 1, is 1, big 1 (12 tokens); new york 4 times, 6
# distinct pairs, len_vocab 6 + 6 = 12: new_york (4-5)/16*12 < 0 at min-count 5,
# (4-1)/16*12 = 2.25 at min-count 1.
TEXT = "New York, New York!\nthe New-York times\n\nNew York is big\n"
JOINED = "new_york new_york\nthe new_york times\n\nnew_york is big\n"
SUMMARY = re.compile(r"phrases: (?P<lines>[\d,]+) lines in [\d.]+ s; (?P<passes>.+); "
                     r"saved to (?P<path>.+)")
OLD = "old text, must survive\n"


def run(capsys, *args):
    code = run_main("phrases", *args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_joins_and_summarizes(tmp_path, capsys):
    corpus = write(tmp_path / "c.txt", TEXT)
    out = tmp_path / "out.txt"
    code, stdout, err = run(capsys, corpus, "-o", out, "--min-count", "1", "--threshold", "2")
    assert code == 0 and stdout == ""
    assert out.read_text(encoding="utf-8") == JOINED
    match = SUMMARY.fullmatch(err.strip())
    assert match, err
    assert match["lines"] == "4" and match["path"] == str(out)
    assert match["passes"] == "pass 1: phrases 1, tokens 12 -> 8"
    # 2.25 is not above 2.25; --quiet prints nothing
    code, _, err = run(capsys, corpus, "-o", out, "--min-count", "1", "--threshold", "2.25",
                       "-q")
    assert code == 0 and err == ""
    assert out.read_text(encoding="utf-8") == "new york new york\nthe new york times\n\n" \
                                              "new york is big\n"


def test_options_reach_the_library(tmp_path, capsys):
    corpus = write(tmp_path / "c.txt", "A B C\n" * 3 + "B C\n")
    out = tmp_path / "out.txt"
    code, _, err = run(capsys, corpus, "-o", out, "--min-count", "1", "--threshold", "0.5",
                       "--delimiter", "+", "--no-lower", "--passes", "2")
    assert code == 0, err
    # a b 3, b c 4 (len_vocab 5): a+b 2/12*5 = 0.83, b+c 3/16*5 = 0.94, joined from
    # the left; pass 2: a+b 3, c 3, b+c 1 (len_vocab 4): a+b+c 2/9*4 = 0.89
    assert out.read_text(encoding="utf-8") == "A+B+C\n" * 3 + "B+C\n"
    assert "pass 1: phrases 2, tokens 11 -> 7; pass 2: phrases 1, tokens 7 -> 4" in err
    code, _, err = run(capsys, corpus, "-o", out, "--min-count", "1", "--threshold", "0.9",
                       "--scoring", "npmi", "--tokenizer", "whitespace")
    assert code == 0, err
    # npmi of a b: ln((3/11) / ((3/11)(4/11))) / -ln(3/11) = 0.78, of b c:
    # ln(11/4) / ln(11/4) = 1: only b c passes 0.9
    assert out.read_text(encoding="utf-8") == "a b_c\n" * 3 + "b_c\n"


def test_cli_defaults_are_the_librarys():
    assert cli_phrases.DEFAULTS == library.DEFAULTS


def test_gzip_stdin_and_encoding(tmp_path, capsys):
    out = tmp_path / "out.txt"
    compressed = tmp_path / "c.txt.gz"
    compressed.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    code, _, _ = run(capsys, compressed, "-o", out, "--min-count", "1", "--threshold", "2")
    assert code == 0 and out.read_text(encoding="utf-8") == JOINED
    code, _, err = run_cli("phrases", "-", "-o", out, "--min-count", "1", "--threshold", "2",
                           stdin=TEXT.replace("big", "bïg").encode("latin-1"))
    assert code == 0
    assert "bytes were not valid utf-8" in err
    assert out.read_text(encoding="utf-8") == JOINED.replace("big", "b\ufffdg")
    latin = write(tmp_path / "latin.txt", TEXT.replace("big", "bïg").encode("latin-1"))
    code, _, err = run(capsys, latin, "-o", out, "--min-count", "1", "--threshold", "2",
                       "--encoding", "latin-1")
    assert code == 0 and "warning" not in err
    assert out.read_text(encoding="utf-8") == JOINED.replace("big", "bïg")


@pytest.mark.parametrize("args, code, fragments", [
    (["--threshold", "0"], 2, ["--threshold", "above 0"]),
    (["--threshold", "-5"], 2, ["--threshold", "above 0"]),
    (["--scoring", "npmi", "--threshold", "-1"], 2, ["--threshold", "(-1, 1]"]),
    (["--scoring", "npmi", "--threshold", "1.01"], 2, ["--threshold", "(-1, 1]"]),
    (["--scoring", "pmi"], 2, ["--scoring"]),
    (["--min-count", "0"], 2, ["--min-count"]),
    (["--passes", "0"], 2, ["--passes"]),
    (["--max-table", "0"], 2, ["--max-table"]),
    (["--delimiter", "a b"], 2, ["--delimiter", "whitespace"]),
    (["--encoding", "nope"], 2, ["--encoding", "unknown text encoding"]),
])
def test_bad_options(tmp_path, capsys, args, code, fragments):
    corpus = write(tmp_path / "c.txt", TEXT)
    out = write(tmp_path / "out.txt", OLD)
    got, _, err = run(capsys, corpus, "-o", out, *args)
    assert_one_error(got, err, code, *fragments)
    assert out.read_text() == OLD
    assert folder(tmp_path) == ["c.txt", "out.txt"]


def test_bad_files(tmp_path, capsys):
    corpus = write(tmp_path / "c.txt", TEXT)
    code, _, err = run(capsys, tmp_path / "missing.txt", "-o", tmp_path / "out.txt")
    assert_one_error(code, err, 1, "missing.txt: no such file")
    code, _, err = run(capsys, corpus)
    assert_one_error(code, err, 2, "-o", "give the output file")
    code, _, err = run(capsys, corpus, "-o", "-")
    assert_one_error(code, err, 2, "standard output is not supported")
    code, _, err = run(capsys, corpus, "-o", corpus)
    assert_one_error(code, err, 2, "is CORPUS itself")
    code, _, err = run(capsys, corpus, "-o", tmp_path / "nowhere" / "out.txt")
    assert_one_error(code, err, 1, "does not exist")
    code, _, err = run(capsys, write(tmp_path / "empty.txt", ""), "-o", tmp_path / "o.txt")
    assert_one_error(code, err, 1, "empty")
    binary = write(tmp_path / "bin.txt", b"ab\x00cd\n")
    out = write(tmp_path / "out.txt", OLD)
    code, _, err = run(capsys, binary, "-o", out)
    assert_one_error(code, err, 1, "binary data")
    assert out.read_text() == OLD
    assert corpus.read_text(encoding="utf-8") == TEXT
    assert folder(tmp_path) == ["bin.txt", "c.txt", "empty.txt", "out.txt"]


def test_existing_output_is_replaced(tmp_path, capsys):
    corpus = write(tmp_path / "c.txt", TEXT)
    out = write(tmp_path / "out.txt", OLD)
    code, _, _ = run(capsys, corpus, "-o", out, "--min-count", "1", "--threshold", "2")
    assert code == 0 and out.read_text(encoding="utf-8") == JOINED


def test_ctrl_c_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    from textembed.kernels import phrase_kernels

    written = []
    real = phrase_kernels.text_block

    def interrupted(*args):
        if written:
            raise KeyboardInterrupt
        written.append(1)
        return real(*args)

    monkeypatch.setattr(library, "_BLOCK_TOKENS", 4)  # several blocks to write
    monkeypatch.setattr(phrase_kernels, "text_block", interrupted)
    corpus = write(tmp_path / "c.txt", TEXT)
    out = write(tmp_path / "out.txt", OLD)
    code, _, err = run(capsys, corpus, "-o", out, "--min-count", "1", "--threshold", "2")
    assert code == 130 and err.strip() == "textembed: interrupted"
    assert written  # it was stopped in the middle of writing
    assert out.read_text() == OLD
    assert folder(tmp_path) == ["c.txt", "out.txt"]
