"""Document bodies in Markdown: formatting renders, anything that could run is removed."""

import pytest
from django.utils.safestring import SafeString

from anjian.core.markdown import render_markdown


def html(text) -> str:
    return str(render_markdown(text))


def test_headings_render():
    out = html("# 关于开展冬季施工安全专项检查的通知\n\n## 一、检查范围\n\n### （一）在建工程")
    assert "<h1>关于开展冬季施工安全专项检查的通知</h1>" in out
    assert "<h2>一、检查范围</h2>" in out
    assert "<h3>（一）在建工程</h3>" in out


def test_bulleted_and_numbered_lists_render():
    out = html("- 脚手架\n- 塔吊\n\n1. 自查\n2. 整改\n3. 报送")
    assert "<ul>\n<li>脚手架</li>\n<li>塔吊</li>\n</ul>" in out
    assert "<ol>\n<li>自查</li>\n<li>整改</li>\n<li>报送</li>\n</ol>" in out


def test_tables_render():
    out = html("| 项目 | 隐患数 |\n| --- | --- |\n| 台湖镇B-03地块 | 3 |")
    assert "<table>" in out and "<thead>" in out and "<tbody>" in out
    assert "<th>项目</th>" in out and "<th>隐患数</th>" in out
    assert "<td>台湖镇B-03地块</td>" in out and "<td>3</td>" in out


def test_table_column_alignment_is_kept():
    out = html("| 项目 | 得分 |\n| :--- | ---: |\n| P | 85 |")
    assert '<th style="text-align:left">项目</th>' in out
    assert '<td style="text-align:right">85</td>' in out


def test_table_cells_keep_only_their_alignment_of_a_style():
    out = html(
        '<table><tr><td style="text-align:right;background:url(javascript:alert(1));'
        'position:fixed" class="x">85</td></tr></table>'
    )
    assert '<td style="text-align:right">85</td>' in out
    assert "javascript" not in out and "position" not in out and "class" not in out


def test_emphasis_links_and_line_breaks_render():
    out = html("请于**本周五**前报送，*逾期*通报。\n详见[通知](https://example.com/n/1)")
    assert "<strong>本周五</strong>" in out and "<em>逾期</em>" in out
    assert "<br>" in out
    assert 'href="https://example.com/n/1"' in out
    assert 'rel="noopener noreferrer nofollow"' in out


def test_the_result_is_marked_safe_and_empty_text_gives_nothing():
    assert isinstance(render_markdown("正文"), SafeString)
    assert html("") == "" and html(None) == ""


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>\n\n正文",
        "正文<script src='https://evil.example/x.js'></script>",
        "<SCRIPT>alert(1)</SCRIPT>",
    ],
)
def test_scripts_are_removed_with_their_content(text):
    out = html(text)
    assert "<script" not in out.lower()
    assert "alert" not in out and "evil.example" not in out


@pytest.mark.parametrize(
    "text",
    [
        '<img src=x onerror="alert(1)">',
        '<a href="https://example.com" onclick="steal()">链接</a>',
        "<p onmouseover='alert(1)'>文字</p>",
        "<svg onload=alert(1)>",
    ],
)
def test_event_handlers_are_removed(text):
    out = html(text)
    assert "onerror" not in out and "onclick" not in out
    assert "onmouseover" not in out and "onload" not in out
    assert "alert" not in out and "steal" not in out


@pytest.mark.parametrize(
    "text",
    [
        "[点此查看](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">点此</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">点此</a>',
        "[点此](vbscript:msgbox)",
    ],
)
def test_dangerous_link_schemes_are_removed(text):
    out = html(text)
    assert "javascript" not in out.lower()
    assert "data:" not in out and "vbscript" not in out
    assert "点此" in out  # the text stays, the link goes


def test_iframes_objects_and_forms_are_removed():
    out = html(
        '<iframe src="https://evil.example"></iframe>\n\n'
        '<object data="x.swf"></object><embed src="x.swf">\n\n'
        '<form action="https://evil.example"><input name="p"></form>\n\n正文'
    )
    for tag in ("<iframe", "<object", "<embed", "<form", "<input"):
        assert tag not in out
    assert "evil.example" not in out
    assert "<p>正文</p>" in out


def test_style_and_other_attributes_are_removed():
    out = html(
        '<p style="text-align:center;position:fixed">红字</p>\n\n'
        '<b class="x" id="y" style="color:red">粗</b>'
    )
    assert "style" not in out and "class" not in out and 'id="' not in out
    assert "<p>红字</p>" in out and "<b>粗</b>" in out


def test_style_blocks_are_removed():
    out = html("<style>body{display:none}</style>\n\n正文")
    assert "<style" not in out and "display" not in out
