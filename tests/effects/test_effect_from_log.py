"""#23 item 4: the office manager's figures carry over to 効果試算 with one button (事業所ビュー → 効果試算),
and 効果試算 reads an uploaded log itself. The log decides the office's own registration; the partners'
registrations come from the database."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.channels import network as nw
from tests.channels.test_office_page_problems import OWN_LOG, ROOT, upload_page

PAGES = "analytics/ui/views/"


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


# K3's partners in OWN_LOG, August: S3 18 sheets by データ連携 (registered per the log), S4 4 by FAX (not
# registered anywhere): 18 of 22 sheets are with a registered partner
LOG_SHARE_JA = "取引先 2 事業所、うち登録済み 1 事業所。登録済みの取引先との件数の割合 81.8%"


def test_the_uploaded_log_carries_over_with_one_button(net_duck):
    at = upload_page(net_duck)
    at.get("file_uploader")[0].upload("log.csv", OWN_LOG.encode("cp932"), "text/csv").run()
    at.button(key="office_to_effect").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.radio(key="effect_mode").value == "log"
    text = captions(at)
    assert LOG_SHARE_JA in text
    assert f"記録ファイル log.csv の事業所番号 {nw.K3} の取引先から" in text
    assert "この事業所自身はこの月に登録していません" not in text   # its データ連携 rows say it was registered


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_effect_reads_an_uploaded_log_itself(net_duck, lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = net_duck
    at.session_state["lang"] = lang
    at.session_state["effect_mode"] = "log"   # (set_value would format the other radios' labels outside the run)
    at.run()
    at.switch_page(PAGES + "effect.py").run()
    assert at.radio(key="effect_mode").value == "log"
    assert not at.exception
    assert [i.value for i in at.info] and not at.get("file_uploader")[0].value
    plain_before = [m.value for m in at.markdown if ("21,000" in m.value)]
    at.get("file_uploader")[0].upload("log.csv", OWN_LOG.encode("cp932"), "text/csv").run()
    assert not at.exception and not at.error
    text = captions(at)
    if lang == "ja":
        assert LOG_SHARE_JA in text
    else:
        assert "2 partners, 1 registered" in text and "81.8%" in text
    # the share moved the estimate: the plain sentence under the tiles changed
    assert [m.value for m in at.markdown if ("21,000" in m.value)] != plain_before


def test_an_office_from_the_database_carries_over_too(net_duck):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = net_duck
    at.session_state["lang"] = "ja"
    at.run()
    at.switch_page(PAGES + "office.py").run()
    at.selectbox(key="office_code_pick").set_value(nw.K3).run()
    at.button(key="office_to_effect").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.radio(key="effect_mode").value == "database"
    assert at.selectbox(key="effect_office").value == nw.K3
    # in the database K3's only August partner is S4 (20 sheets by FAX, neither registered)
    assert "取引先 1 事業所、うち登録済み 0 事業所" in captions(at)
