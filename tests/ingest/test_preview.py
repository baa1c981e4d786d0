"""analytics.ingest.preview: an uploaded exchange log read in memory (the office view), nothing stored."""
from __future__ import annotations

import pytest

from analytics.errors import FileRefused
from analytics.ingest import preview

K1, S1, S4 = "3070100015", "3070200013", "3070200047"  # valid office numbers (check digits right)

LOG = ("対象年月,送信元事業所番号,送信先事業所番号,帳票,送信方法,件数\n"
       f"2025-08,{K1},{S1},予定,FAX,5\n"
       f"2025-08,{K1},{S4},予定,伝書鳩,7\n"        # row 3: channel
       f"2025-08,{K1},{S1},実績,データ連携,3\n")


def test_rows_and_problems_of_a_csv_log():
    rows, problems = preview.read_uploaded_log("log.csv", LOG.encode("cp932"))
    assert list(rows.columns) == ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]
    assert rows["sheets"].tolist() == [5, 3] and str(rows["sheets"].dtype) == "int64"
    assert rows["receiver_code"].tolist() == [S1, S1]
    assert problems["row"].tolist() == [3] and problems["column"].tolist() == ["channel"]
    assert "伝書鳩" not in problems.to_csv()  # never the cell's value


def test_a_file_that_cannot_be_read_is_refused():
    with pytest.raises(FileRefused):
        preview.read_uploaded_log("log.csv", b"\x00\x01 not a table")
