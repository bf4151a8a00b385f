"""Tests for the evaluate and similar commands on vectors with planted answers."""
import pytest

from textembed.cli import main

from word2vectest import ANALOGIES, planted_vectors


def run_cli(capsys, *args):
    """Run ``textembed ARGS``; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


# ------------------------------------------------------------------ the CLI

@pytest.fixture
def eval_files(tmp_path):
    vectors = tmp_path / "vectors.txt"
    planted_vectors().save_word2vec_format(vectors)
    questions = tmp_path / "questions.txt"
    questions.write_text(ANALOGIES)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("man\tking\t8\nwoman\tqueen\t9\napple\tking\t1\nfoo\tbar\t3\n")
    return vectors, questions, pairs


def test_cli_evaluate(capsys, eval_files):
    vectors, questions, pairs = eval_files
    code, out, err = run_cli(capsys, "evaluate", vectors, "--analogies", questions,
                             "--pairs", pairs, "--pairs", pairs, "--restrict-vocab", 7)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (f"{questions}: analogy accuracy 0.6667 (4/6 questions), "
                        "2 skipped (a word not among the 7 most frequent)")
    # cos(man, king) = cos(woman, queen) = 0.36, cos(apple, king) = 0: ties
    assert lines[1] == (f"{pairs}: Spearman 0.8660 (Pearson 0.9934), 3 pairs used, "
                        "1 skipped (a word not in the vocabulary)")
    assert lines[2] == lines[1] and len(lines) == 3


def test_cli_evaluate_sections(capsys, eval_files):
    vectors, questions, _ = eval_files
    code, out, _ = run_cli(capsys, "evaluate", vectors, "--analogies", questions, "--sections")
    assert code == 0
    assert out.splitlines()[1:] == ["  royal: 0.8000 (4/5), 0 skipped",
                                    "  other: 0.0000 (0/2), 1 skipped"]


def test_cli_similar(capsys, eval_files):
    vectors, _, _ = eval_files
    code, out, err = run_cli(capsys, "similar", vectors, "queen", "-n", 3)
    assert code == 0 and err == ""
    assert out == "Queen\t1.0000\nwoman\t0.3600\nking\t0.2800\n"
    code, out, _ = run_cli(capsys, "similar", vectors, "king", "woman", "--minus", "man", "-n", 1)
    assert code == 0 and out == "queen\t1.0000\n"


@pytest.mark.parametrize("args, code, fragment", [
    (["similar", "{vectors}", "kingg"], 1,
     "textembed: error: 'kingg' is not in the vocabulary: not among the 8 words of {vectors}\n"),
    (["similar", "{vectors}", "QUEEN"], 1, "(did you mean 'queen'?)\n"),
    (["similar", "{vectors}"], 2, "Missing argument"),
    (["similar", "{vectors}", "king", "-n", "0"], 2, "textembed: error: "),
    (["evaluate", "{vectors}"], 2, "give --analogies FILE and/or --pairs FILE"),
    (["evaluate", "{missing}", "--pairs", "{pairs}"], 1, "no such file"),
    (["evaluate", "{vectors}", "--analogies", "{pairs}"], 1,
     "line 1: expected a question of 4 words"),
    (["evaluate", "{pairs}", "--pairs", "{pairs}"], 1, "line 1: expected the word2vec header"),
])
def test_cli_errors(capsys, eval_files, tmp_path, args, code, fragment):
    vectors, _, pairs = eval_files
    names = {"vectors": vectors, "pairs": pairs, "missing": tmp_path / "missing.txt"}
    status, out, err = run_cli(capsys, *[arg.format(**names) for arg in args])
    assert status == code and out == ""
    assert err.count("\n") == 1 and err.startswith("textembed: error: ")
    assert fragment.format(**names) in err
