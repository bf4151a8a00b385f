"""Write data/sample_corpus.txt and data/sample_labelled.tsv: small samples with planted structure.

Words come in families (animals, colours, foods, ...). Every sentence is drawn
from templates in which all members of a family fill the same slots, so words
of one family share their contexts and nothing else does: a skip-gram model
trained on this corpus must put each word's nearest neighbours in its own
family. Capitals and punctuation are sprinkled in so that tokenizing has work
to do.

data/sample_labelled.tsv is a labelled sample for `textembed train-classifier`
(`label<TAB>text` lines): each sentence is about animals, food or weather, and
its label is the family of its topic words (the other slots are filled from
the neutral families colour, place, number and verb), so a classifier can
learn it almost perfectly.

Both outputs are deterministic (fixed seeds).

Usage: python scripts/make_sample_data.py [--sentences N] [--seed S] [-o PATH]
                                          [--labelled N] [--labelled-output PATH]
"""
import argparse
import os
import random

FAMILIES = {
    "animal": "cat dog horse cow sheep goat rabbit mouse fox wolf".split(),
    "colour": "red green blue yellow purple orange black white brown grey".split(),
    "food": "bread cheese apple rice soup cake pasta salad honey butter".split(),
    "place": "kitchen garden market school forest river village harbour castle library".split(),
    "verb": "sees finds follows watches chases meets greets avoids helps likes".split(),
    "number": "two three four five six seven eight nine ten twelve".split(),
    "weather": "rain snow wind fog sunshine storm frost hail thunder drizzle".split(),
}

TEMPLATES = [
    "the {colour} {animal} {verb} the {animal} near the {place} .",
    "a {animal} eats {food} in the {place} when the {weather} comes",
    "{number} {colour} {animal}s live by the {place}",
    "we ate {food} and {food} at the {place} during the {weather} .",
    "the {animal} {verb} {number} {animal}s , then the {weather} stops",
    "paint the {place} {colour} , not {colour} !",
    "after the {weather} the {animal} {verb} a {colour} {food}",
    "{number} loaves of {food} , {number} bowls of {food} ; the {place} is full",
]

# Topic-neutral templates for the labelled sample: {topic} is filled from the
# family of the sentence's label, the other slots from neutral families.
TOPICS = {"animals": "animal", "food": "food", "weather": "weather"}
LABELLED_TEMPLATES = [
    "the {colour} {topic} near the {place} .",
    "{number} {topic} by the {place} , said the {colour} sign",
    "we talked about the {topic} at the {place}",
    "is the {topic} really {colour} ?",
    "the {place} is full of {topic} and more {topic}",
    "nobody {verb} the {topic} in the {place} !",
    "{number} people like the {topic} ; {number} do not",
    "look at the {topic} , the {topic} and the {colour} {place}",
]


def _fill(template, rng, topic=None):
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        family = out[start + 1:end]
        words = FAMILIES[topic if family == "topic" else family]
        out = out[:start] + rng.choice(words) + out[end + 1:]
    return out


def labelled_example(rng):
    """(label, sentence): the label is the family of the sentence's topic words."""
    label = rng.choice(sorted(TOPICS))
    out = _fill(rng.choice(LABELLED_TEMPLATES), rng, TOPICS[label])
    if rng.random() < 0.3:
        out = out[0].upper() + out[1:]
    return label, out


def sentence(rng):
    template = rng.choice(TEMPLATES)
    out = template
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        family = out[start + 1:end]
        words = FAMILIES[family]
        out = out[:start] + rng.choice(words) + out[end + 1:]
    if rng.random() < 0.3:
        out = out[0].upper() + out[1:]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default=os.path.join(
        os.path.dirname(__file__), "..", "data", "sample_corpus.txt"))
    parser.add_argument("--labelled", type=int, default=900,
                        help="lines of the labelled sample")
    parser.add_argument("--labelled-output", default=os.path.join(
        os.path.dirname(__file__), "..", "data", "sample_labelled.tsv"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        for _ in range(args.sentences):
            out.write(sentence(rng) + "\n")
    rng = random.Random(args.seed + 1)
    with open(args.labelled_output, "w", encoding="utf-8", newline="\n") as out:
        for _ in range(args.labelled):
            label, text = labelled_example(rng)
            out.write(f"{label}\t{text}\n")


if __name__ == "__main__":
    main()
