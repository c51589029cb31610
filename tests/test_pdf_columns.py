"""Balanced columns (the glossary's): WeasyPrint's balancer sees the next box's height (pdf.
_probe_columns_with_room), so it finds the same columns in far fewer tries."""

from __future__ import annotations

import inspect

import pytest

from sop_packets import pdf

TERMS = "".join(f'<div class="term"><dt>Term {n}:</dt> <dd>{"A plain definition of the word. " * (1 + n % 4)}</dd></div>'
                for n in range(14))
HTML = ("<html><head><style>@page { size: A5; margin: 1cm } dl { columns: 2; column-gap: 1em }"
        " .term { break-inside: avoid; margin-bottom: 0.3em } dt, dd { display: inline; margin: 0 }</style>"
        f"</head><body><h2>Words</h2><dl>{TERMS}</dl><p>After the words.</p></body></html>")


def laid_out(monkeypatch, layout):
    from weasyprint.layout import block

    tries = []

    def counting(context, box, bottom_space, *args, **kwargs):
        tries.append(bottom_space)
        return layout(context, box, bottom_space, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(block, "block_box_layout", counting)
        document = pdf._layout(HTML, dict(stylesheets=[]))
    positions = [(page_number, round(box.position_x, 3), round(box.position_y, 3))
                 for page_number, page in enumerate(document.pages)
                 for box in page._page_box.descendants()
                 if box.element_tag == "div" and type(box).__name__ == "BlockBox"]
    return positions, len(tries)


def test_columns_are_balanced_as_before_in_fewer_tries(monkeypatch):
    pdf._weasyprint()
    from weasyprint.layout import block

    ours = block.block_box_layout
    if not getattr(ours, "probes_with_room", False):
        pytest.skip("this WeasyPrint's column balancer is not the one the change is for")
    positions, tries = laid_out(monkeypatch, ours)
    stock_positions, stock_tries = laid_out(monkeypatch, inspect.unwrap(ours))  # under every wrapper
    assert len(positions) >= 14 and len({x for _, x, _ in positions}) == 2  # two columns of terms
    assert positions == stock_positions
    assert tries * 2 < stock_tries
