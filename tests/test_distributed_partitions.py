"""distributed.partitions, run in-process (no engine): merged counts and remapped
shards equal the single-process vocabulary and ids; a partition's predictions."""
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fsspec")

from textembed.distributed import partitions as P  # noqa: E402
from textembed.distributed.inputs import partitions as cut  # noqa: E402
from textembed.io import TextSource  # noqa: E402
from textembed.text import Tokenizer  # noqa: E402
from textembed.word2vec.corpus import encode_lines  # noqa: E402
from textembed.word2vec.vocab import Vocabulary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "sample_corpus.txt"
KERAS = {"filters": '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n', "lower": True, "split": " ",
         "char_level": False}


def tree(items, merge):
    while len(items) > 1:
        items = [merge(a, b) for a, b in zip(items[::2], items[1::2])] + \
            ([items[-1]] if len(items) % 2 else [])
    return items[0]


def test_word_counts_merged_in_order_are_one_pass_counts():
    parts = cut([str(CORPUS)], 30_000)
    assert len(parts) > 5
    merged = tree([P.count_words(p, "utf-8", KERAS) for p in parts], P.merge_word_counts)
    whole = Tokenizer()
    whole.fit_on_texts(TextSource(str(CORPUS)))
    assert list(merged.counts.items()) == list(whole.word_counts.items())
    assert merged.lines == whole.document_count


def test_shards_remapped_are_the_single_process_ids(tmp_path):
    parts = cut([str(CORPUS)], 25_000)
    shards = [P.encode_shard(p, str(tmp_path / f"s{i}.ids"), "utf-8")
              for i, p in enumerate(parts)]
    merged = tree([P.shard_counts(s) for s in shards], P.merge_counts)
    local = encode_lines(TextSource(str(CORPUS)), str(tmp_path / "local.ids"))
    assert merged.words == local.words
    np.testing.assert_array_equal(merged.counts, local.counts)
    assert (merged.tokens, merged.lines) == (local.n_tokens, local.n_lines)
    vocab = Vocabulary(merged.words, merged.counts, min_count=2000)
    local_vocab = Vocabulary(local.words, local.counts, min_count=2000)
    assert vocab.words == local_vocab.words
    known = [P.remap_shard(shard, "\n".join(vocab.words)) for shard in shards]
    ids = np.concatenate([np.fromfile(s.path, np.int32) for s in shards])
    assert sum(known) == np.count_nonzero(ids >= 0) > 0
    expected = local_vocab.remap[np.fromfile(tmp_path / "local.ids", np.int32)]
    np.testing.assert_array_equal(ids, expected)
    assert (ids == -2).any() and (ids == -1).sum() == local.n_lines


def test_a_partition_is_classified_into_its_part_file(tmp_path):
    from textembed.classify import TextClassifier
    sample = ROOT / "data" / "sample_labelled.tsv"
    rows = [line.split("\t", 1) for line in sample.read_text("utf-8").splitlines()]
    model = TextClassifier(seed=1, threads=1, verbose=0).fit(
        [t for _, t in rows], [label for label, _ in rows]).save(tmp_path / "m")
    texts = tmp_path / "in.txt"
    texts.write_text("\n".join(t for _, t in rows[:50]) + "\n\n")
    files = P.model_files(tmp_path / "m")
    assert P.model_files(tmp_path / "m").key == files.key
    (tmp_path / "out").mkdir()
    (part,) = cut([str(texts)])
    assert P.predict_partition(part, 3, files, str(tmp_path / "out"), k=2) == (51, 0)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-00003"]
    written = (tmp_path / "out" / "part-00003").read_text().split("\n")[:-1]
    expected = ["\t".join(labels) for labels in model.predict([t for _, t in rows[:50]] + [""],
                                                             k=2)]
    assert written == expected
