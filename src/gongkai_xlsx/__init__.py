"""gongkai-xlsx: collect 政府信息公开工作年度报告 returns through Excel workbooks.

The package is laid out as the data flows, in layers (bottom first; a module imports only
from its own room and the layers below, checked by tests/test_layers.py):

    foundation      text, cellref, naming, catalogue, findings, fsio, resources, walk,
                    interrupt, loading, oserrors, errors, agency, ooxml/ (zip,
                    relationships, XML)
    definition/     templates/*.toml → frozen model, sheet layout, 汇总明细's columns
    document model  canonical (the frozen Document), documents (the one way in), schema,
                    document_files (canonical documents found in folders and checked),
                    document_members (a summary's counted members)
    writer/ | reader/ | roster
                    definition → locked .xlsx template;  .xlsx → Return: reading (the
                    package, the form, the sheets) → sheetxml (sheet_fast | sheet_exact
                    tokenizers into sheet_cells) → locate → cellvalue, recalc →
                    sheet_findings, summary_members;  roster, completeness
    checks/         Return + definition → findings
    pool, outputs   the batch: bounded workers, the output folder
    aggregate/ | annotate/ | render/ | previous
                    汇总, marked copies, Word/HTML, last year's documents
    ingest/         a folder of returns → documents, report, page, summary
    api/            one function per command: options → result
    cli/, terminal/ typer, thin; Chinese help and output
"""

from gongkai_xlsx.interrupt import quiet_while_loading

# The console script imports this package first: from here on, in the program only, a
# Ctrl-C while the rest loads ends with 已中断 and exit 130 (see gongkai_xlsx.interrupt).
quiet_while_loading(__name__)

__version__ = "0.1.0"
