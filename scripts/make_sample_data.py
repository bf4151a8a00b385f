"""Write data/sample_corpus.txt: a small corpus with planted structure.

Words come in families (animals, colours, foods, ...). Every sentence is drawn
from templates in which all members of a family fill the same slots, so words
of one family share their contexts and nothing else does: a skip-gram model
trained on this corpus must put each word's nearest neighbours in its own
family. Capitals and punctuation are sprinkled in so that tokenizing has work
to do. The output is deterministic (fixed seed).

Usage: python scripts/make_sample_data.py [--sentences N] [--seed S] [-o PATH]
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
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        for _ in range(args.sentences):
            out.write(sentence(rng) + "\n")


if __name__ == "__main__":
    main()
