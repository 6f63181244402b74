"""Reads a submittal register download with independent readers: Python's csv module for the
CSV file and openpyxl for the XLSX file. Prints {"csv": rows, "xlsx": rows} as JSON, every cell
as text (numbers as integers written out), the header row first."""
import csv
import json
import sys

import openpyxl


def cell(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def main():
    csv_path, xlsx_path = sys.argv[1], sys.argv[2]
    with open(csv_path, newline="", encoding="utf-8") as f:
        csv_rows = [row for row in csv.reader(f)]
    book = openpyxl.load_workbook(xlsx_path, read_only=True)
    sheet = book.worksheets[0]
    xlsx_rows = [[cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    print(json.dumps({"csv": csv_rows, "xlsx": xlsx_rows, "sheet": sheet.title}))


if __name__ == "__main__":
    main()
