"""Reads a monthly report workbook with openpyxl (an independent XLSX reader): its sheets, the
charts on each, and the summary sheet's measures (metric id -> this month's value), as JSON."""
import json
import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
summary = book.worksheets[0]
measures = {}
for row in summary.iter_rows(min_row=5, values_only=True):
    if len(row) > 2 and isinstance(row[1], str) and row[1]:
        measures[row[1]] = row[2]
print(json.dumps({
    "sheets": book.sheetnames,
    "charts": {sheet.title: len(sheet._charts) for sheet in book.worksheets},
    "measures": measures,
}, ensure_ascii=False))
