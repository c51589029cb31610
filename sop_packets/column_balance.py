"""WeasyPrint's column balancer, spared the heights at which its first column is known to hold nothing.

To balance columns (the glossary's two), WeasyPrint lays them out at a height and, while they do not
hold everything, grows the height and lays them out again. When the first column holds nothing at all
at that height (the next box cannot be split, like the sources' paragraph at the head of a glossary's
last page), it has no size to grow by, so it grows by 1 px a try: 110 layouts of the same column for
b7cb0b6's ex-08 (a profile of the render bench), a third of that packet's CPU.

A first column that holds nothing at one height holds nothing at any smaller one. So after a second
such try from the same place (the balancer is then growing 1 px a try), the column is laid out at 2, 4,
8... px more until it holds something, and between the last two by halves, to find the first
whole-pixel step at which it does; the tries in between are answered "holds nothing" without a layout.
Every layout the balancer then uses is a real one at the height it asks for, so the columns are the
same. If a WeasyPrint upgrade lays columns out otherwise, nothing is changed.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

BALANCING_TRY = "page_is_empty or not balancing, [], [], [], first_letter_style,"
"""How WeasyPrint 70's balancer lays out a column at a trial height (layout/column.py)."""

MAX_DOUBLINGS = 12
"""Grow by at most 2**12 px while looking for a height that holds something (a page is ~1,000 px)."""

SAME_HEIGHT = 1e-6
"""Heights closer than this (px) are one height: the balancer's sums and these differ in rounding only."""


@functools.cache
def install() -> bool:
    """Wrap WeasyPrint's block_box_layout (once per process); False if its balancer is not as expected."""
    from weasyprint.layout import block, column

    layout = block.block_box_layout
    if getattr(layout, "skips_empty_heights", False) or BALANCING_TRY not in inspect.getsource(column):
        return False
    from weasyprint.layout.block import remove_placeholders

    def clean(context: Any, result: tuple, shapes: int) -> None:
        """Undo a trial that held something, as the balancer undoes each of its own tries."""
        remove_placeholders(context, [result[0]], [], [])
        del context.excluded_shapes[shapes:]

    @functools.wraps(layout)
    def block_box_layout(context: Any, box: Any, bottom_space: float, skip_stack: Any, containing_block: Any,
                         page_is_empty: bool, absolute_boxes: list, fixed_boxes: list, adjoining_margins: Any,
                         *args: Any, **kwargs: Any) -> Any:
        def lay_out(bottom: float) -> tuple:
            return layout(context, box, bottom, skip_stack, containing_block, page_is_empty, [], [], [],
                          *args, **kwargs)

        balancing = (getattr(box, "is_column", False) and adjoining_margins == [] and not absolute_boxes
                     and not fixed_boxes and math.isfinite(bottom_space))
        if not balancing:
            return layout(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                          absolute_boxes, fixed_boxes, adjoining_margins, *args, **kwargs)
        where = (repr(skip_stack), page_is_empty, context.page_bottom)
        known = getattr(box, "sop_holds_nothing", None)
        known = known if known and known[0] == where else None
        if known and context.page_bottom - bottom_space <= known[1] + SAME_HEIGHT:
            return known[2]
        result = lay_out(bottom_space)
        if result[0] is None:
            # a second try from the same place that holds nothing: the balancer is growing 1 px a try
            highest = _highest_empty(lay_out, clean, context, bottom_space) if known else bottom_space
            box.sop_holds_nothing = (where, context.page_bottom - highest, result)
        return result

    block_box_layout.skips_empty_heights = True
    block.block_box_layout = block_box_layout
    return True


def _highest_empty(lay_out: Any, clean: Any, context: Any, bottom_space: float) -> float:
    """The bottom space of the largest whole-pixel step up from bottom_space (which holds nothing) that
    still holds nothing: the column holds something one step further."""
    empty, step = 0, 1
    for _ in range(MAX_DOUBLINGS):
        step *= 2
        shapes = len(context.excluded_shapes)
        result = lay_out(bottom_space - step)
        if result[0] is not None:
            clean(context, result, shapes)
            break
        empty = step
    else:
        return bottom_space - empty
    holds = step
    while holds - empty > 1:
        middle = (empty + holds) // 2
        shapes = len(context.excluded_shapes)
        result = lay_out(bottom_space - middle)
        if result[0] is None:
            empty = middle
        else:
            clean(context, result, shapes)
            holds = middle
    return bottom_space - empty
