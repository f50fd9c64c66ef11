"""Turns raw text (Gutenberg books, WikiText, SQuAD contexts, plain text)
into a corpus file in Google's format: one sentence a line, a blank line
between documents."""

import sys

READERS = {
    "gutenberg": "read_gutenberg",
    "wikitext": "read_wikitext",
    "text": "read_plain_text",
    "squad": "read_squad_contexts",
}


def add_arguments(parser):
    parser.add_argument("--source", required=True, choices=sorted(READERS))
    parser.add_argument(
        "--input",
        required=True,
        nargs="+",
        help="input files (.gz allowed); each Gutenberg book and each plain "
        "text file is one document, each WikiText or SQuAD article is one",
    )
    parser.add_argument("--output", required=True, help="corpus file to write")
    parser.add_argument(
        "--max-document-sentences",
        type=int,
        help="cut longer documents into near-equal pieces of at most this "
        "many sentences (chapter-sized documents give next-sentence "
        "prediction random segments of the same kind of text)",
    )


def run(args):
    from kbert import data

    read = getattr(data, READERS[args.source])
    documents = []
    for path in args.input:
        try:
            documents.extend(read(path))
        except (OSError, ValueError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 1
    if args.max_document_sentences is not None:
        try:
            documents = data.split_documents(
                documents, args.max_document_sentences
            )
        except ValueError as error:
            print(f"error: --max-document-sentences: {error}", file=sys.stderr)
            return 1
    num_documents, num_sentences = data.write_corpus(documents, args.output)
    print(
        f"wrote {num_documents} documents, {num_sentences} sentences to "
        f"{args.output}"
    )
    if num_documents < 2:
        print(
            "warning: next-sentence prediction needs at least 2 documents",
            file=sys.stderr,
        )
    return 0
