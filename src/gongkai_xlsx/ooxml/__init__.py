"""The OOXML package layer, one owner for the reader, the marked copies and the template
writer: the zip container (:mod:`.archive`, the only module that opens or writes a zip),
relationships and content types (:mod:`.relationships`, :mod:`.package`), and XML as text
(:mod:`.xmltext`: references, attributes, the expat check; :mod:`.xmledit`: elements
located and spliced without re-serialising).

It sits below the writer and the reader and imports nothing of the project but the
foundation, so both can use it.
"""
