"""Turns raw text (Gutenberg books, WikiText, Wikipedia, SQuAD contexts,
plain text) into a corpus file in Google's format: one sentence a line, a
blank line between documents."""

import sys

READERS = {
    "gutenberg": "read_gutenberg",
    "wikitext": "read_wikitext",
    "wikipedia": "read_wikipedia",
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
        "text file is one document, each WikiText, Wikipedia or SQuAD "
        "article is one",
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
    from kbert.progress import Progress

    if args.max_document_sentences is not None:
        try:
            data.split_documents([], args.max_document_sentences)
        except ValueError as error:
            print(f"error: --max-document-sentences: {error}", file=sys.stderr)
            return 1
    read = getattr(data, READERS[args.source])
    progress = Progress("documents read")
    current = [None]

    def documents():
        # One input at a time and one document at a time: the output file
        # is written as the inputs are read (Wikipedia is 70 M words).
        for path in args.input:
            current[0] = path
            for document in read(path):
                progress.update()
                if args.max_document_sentences is None:
                    yield document
                else:
                    yield from data.split_documents(
                        [document], args.max_document_sentences
                    )

    try:
        num_documents, num_sentences = data.write_corpus(
            documents(), args.output
        )
    except (OSError, ValueError) as error:
        print(f"\nerror: {current[0]}: {error}", file=sys.stderr)
        return 1
    finally:
        progress.close()
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
