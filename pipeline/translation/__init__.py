"""Timed translated and bilingual subtitles from a translation text and a timed source transcript.

Modules, each one concept, importing only from those above it::

    sentences        a text cut into sentences (zh, en, ja, ko, fr, de, es), as spans
    sentence_align   Gale–Church alignment of two sentence sequences by length
    timing           the source's timed sentences; the translation laid over their words
    cues             the translation's own cues, held inside their source span
    bilingual_cues   source cue on top, translation below (writers: pipeline.subtitles.bilingual)
    report           the pairs, their ratios and kinds, and which look wrong
    build            all of it for one run, and the files
"""
