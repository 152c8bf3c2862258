"""Writes the sentences fit_table.py fits word-piece vectors to, from text any Debian
machine with a Rust toolchain has or can install:

- WordNet's glosses and usage examples (Debian package wordnet-base; WordNet licence): general
  English, 40,000 of them;
- the descriptions of Debian's packages (`apt-cache dumpavail`): software, 25,000 sentences;
- the doc comments of the crates in the cargo registry (~/.cargo/registry/src): software,
  25,000 sentences.

None of the evaluation sets is read. The sample is fixed by the seed, but the last two sources
depend on the machine's package lists and crates, so another machine gets a similar, not the same,
corpus.

    apt-get install wordnet-base
    python3 scripts/static-embeddings/corpus.py > corpus.txt
"""
import glob
import os
import random
import re
import subprocess
import sys

SIZES = {"wordnet": 40_000, "debian": 25_000, "rust": 25_000}
random.seed(7)


def sentences(text):
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if 5 <= len(s.split()) <= 40]


def wordnet():
    found = []
    for pos in ["noun", "verb", "adj", "adv"]:
        for line in open(f"/usr/share/wordnet/data.{pos}", encoding="latin-1"):
            if line.startswith("  ") or "|" not in line:
                continue
            gloss = line.split("|", 1)[1].strip()
            parts = (p.strip().strip('"') for p in gloss.split(";"))
            found += [p for p in parts if len(p.split()) >= 4]
    return found


def debian():
    found = []
    listing = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True).stdout
    for m in re.finditer(r"^Description: (.*)\n((?: .*\n)*)", listing, re.M):
        found.append(m.group(1))
        found += sentences(" ".join(l.strip() for l in m.group(2).splitlines() if l.strip() != "."))
    return list(dict.fromkeys(found))


def rust():
    found = []
    for path in glob.glob(os.path.expanduser("~/.cargo/registry/src/*/*/src/**/*.rs"), recursive=True):
        try:
            text = open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        paragraph = []
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(("///", "//!")):
                comment = line[3:].strip()
                # Prose only: no code fences, headings, tables, lists or link definitions.
                if comment and not comment.startswith(("```", "#", "|", "*", "-", "[")):
                    paragraph.append(comment)
                    continue
            if paragraph:
                found += [s for s in sentences(" ".join(paragraph)) if "`" not in s]
                paragraph = []
    return list(dict.fromkeys(found))


# Each source is shuffled and cut, in this order, as when the table was measured.
corpus = []
for name, source in [("wordnet", wordnet), ("debian", debian), ("rust", rust)]:
    found = source()
    random.shuffle(found)
    corpus += found[: SIZES[name]]
    print(f"{name}: {len(found)} sentences, {min(len(found), SIZES[name])} taken", file=sys.stderr)
sys.stdout.write("\n".join(s.replace("\n", " ") for s in corpus))
