"""CSV export: one row per vote (every attempt), UTF-8 with a header, for R and pandas."""

import csv
import io

from workshop.exports import VOTE_COLUMNS, Context, Export, iso


def export(ctx: Context) -> Export:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=VOTE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in ctx.vote_rows():
        writer.writerow({**row, "time": iso(row["time"])})
    return Export(buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8")
