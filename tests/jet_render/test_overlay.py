"""Annotation overlays (jet_render.overlay): shapes land on the pixels the coordinate maps say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from jet_render.colors import palette_for
from jet_render.coords import frame_wcs, world_box_to_image, world_to_pixel
from jet_render.encode import RenderedImage
from jet_render.geometry import CoordinateInputError, ImageGeometry, rectangle_corners
from jet_render.overlay import (
    DEFAULT_TOOL_COLORS,
    Circle,
    OverlayInputError,
    OverlayStyle,
    Point,
    Rectangle,
    RotatedRectangle,
    Text,
    annotations_overlay,
    draw_overlays,
)
from jet_store.errors import UserError
from jet_store.records import Annotation, JetCluster
from PIL import Image

WCS = {
    "CTYPE1": "HPLN-TAN", "CTYPE2": "HPLT-TAN", "CUNIT1": "arcsec", "CUNIT2": "arcsec",
    "CDELT1": 0.6, "CDELT2": 0.6, "CRPIX1": 300.5, "CRPIX2": 250.5, "CRVAL1": 0, "CRVAL2": 0,
    "NAXIS1": 600, "NAXIS2": 500,
}  # fmt: skip
GEOMETRY = ImageGeometry(
    width=360, height=300, im_ll_x=0.1, im_ll_y=0.1, im_ur_x=0.9, im_ur_y=0.9, naxis1=600, naxis2=500
)
RED = OverlayStyle(color="red", line_width=1)


def blank(width: int = 80, height: int = 60) -> npt.NDArray[np.uint8]:
    return np.zeros((height, width, 3), np.uint8)


def inked(image: Any) -> npt.NDArray[np.bool_]:
    """Pixels that are no longer black."""
    return np.asarray(image.convert("RGB")).any(axis=2)


def distance_to_outline(
    px: npt.NDArray[np.float64], py: npt.NDArray[np.float64], cx: Any, cy: Any
) -> npt.NDArray[np.float64]:
    """Distance of points to the closed polygon through (cx, cy)."""
    cx, cy = np.asarray(cx, dtype=float), np.asarray(cy, dtype=float)
    best = np.full(px.shape, np.inf)
    for i in range(cx.size):
        ax, ay, bx, by = cx[i], cy[i], cx[(i + 1) % cx.size], cy[(i + 1) % cy.size]
        t = np.clip(((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2), 0, 1)
        best = np.minimum(best, np.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay))))
    return best


def assert_outline(mask: npt.NDArray[np.bool_], cx: Any, cy: Any, line_width: float = 1.0) -> None:
    """Every inked pixel centre lies on the outline, and every corner is inked."""
    rows, cols = np.nonzero(mask)
    assert rows.size > 0
    dist = distance_to_outline(cols + 0.5, rows + 0.5, cx, cy)
    assert dist.max() <= line_width / 2 + 0.75
    for x, y in zip(np.ravel(cx), np.ravel(cy), strict=True):
        col, row = int(np.floor(x)), int(np.floor(y))
        assert mask[row - 1 : row + 2, col - 1 : col + 2].any(), (x, y)


# --------------------------------------------------------------------------- shapes in pixels


def test_point_colours_its_centre_pixel_only_within_marker() -> None:
    out = draw_overlays(blank(), [Point(20.5, 30.5, style=OverlayStyle(color="red", marker_size=3))])
    assert out.mode == "RGB"
    assert out.size == (80, 60)
    assert out.getpixel((20, 30)) == (255, 0, 0)
    rows, cols = np.nonzero(inked(out))
    assert np.hypot(cols + 0.5 - 20.5, rows + 0.5 - 30.5).max() <= 3.5
    assert out.getpixel((25, 30)) == (0, 0, 0)


@pytest.mark.parametrize("marker", ["cross", "plus"])
def test_point_line_markers(marker: str) -> None:
    style = OverlayStyle(color="white", marker=marker, marker_size=4, line_width=1)  # type: ignore[arg-type]
    out = draw_overlays(blank(), [Point(40.5, 30.5, style=style)])
    assert out.getpixel((40, 30)) == (255, 255, 255)
    diagonal = out.getpixel((43, 33)) == (255, 255, 255)
    straight = out.getpixel((44, 30)) == (255, 255, 255)
    assert (diagonal, straight) == ((True, False) if marker == "cross" else (False, True))


def test_rectangle_outline_on_its_edges() -> None:
    out = draw_overlays(blank(), [Rectangle(10, 20, 40, 10, style=RED)])
    mask = inked(out)
    assert_outline(mask, *rectangle_corners(10, 20, 40, 10))
    assert not mask[23:27, 13:47].any()  # inside stays empty
    rows, cols = np.nonzero(mask)
    assert (cols.max() - cols.min(), rows.max() - rows.min()) == (40, 10)


def test_rotated_rectangle_angle_90_swaps_extents() -> None:
    mask = inked(draw_overlays(blank(), [RotatedRectangle(10, 20, 40, 10, 90, style=RED)]))
    rows, cols = np.nonzero(mask)
    assert (cols.max() - cols.min(), rows.max() - rows.min()) == (10, 40)
    assert abs((cols.min() + cols.max() + 1) / 2 - 30) <= 0.5  # same centre (30, 25)
    assert abs((rows.min() + rows.max() + 1) / 2 - 25) <= 0.5


@pytest.mark.parametrize("angle", [30.0, -45.0, 120.0])
def test_rotated_rectangle_corners_follow_rectangle_corners(angle: float) -> None:
    mask = inked(draw_overlays(blank(), [RotatedRectangle(15, 22, 40, 12, angle, style=RED)]))
    cx, cy = rectangle_corners(15, 22, 40, 12, angle)
    assert_outline(mask, cx, cy)


def test_rotation_is_clockwise_on_screen() -> None:
    # A wide box turned by +30 degrees: its right end goes down (y grows) on screen.
    mask = inked(draw_overlays(blank(), [RotatedRectangle(20, 28, 40, 4, 30, style=RED)]))
    rows, cols = np.nonzero(mask)
    assert rows[cols >= 55].mean() > rows[cols <= 25].mean() + 10


def test_filled_rectangle_and_thick_outline() -> None:
    style = OverlayStyle(color="red", fill="blue", line_width=3)
    out = draw_overlays(blank(), [Rectangle(10, 20, 40, 20, style=style)])
    assert out.getpixel((30, 30)) == (0, 0, 255)
    assert out.getpixel((30, 22)) == (0, 0, 255)
    # a 3 px line centred on the pixel row holding the edge y = 20
    assert [out.getpixel((30, row)) for row in (18, 19, 20, 21)] == [(0, 0, 0)] + [(255, 0, 0)] * 3


def test_circle_outline_at_its_radius() -> None:
    mask = inked(draw_overlays(blank(), [Circle(40, 30, 12, style=RED)]))
    rows, cols = np.nonzero(mask)
    radius = np.hypot(cols + 0.5 - 40, rows + 0.5 - 30)
    assert radius.min() >= 11 and radius.max() <= 13
    assert not mask[28:32, 38:42].any()


def test_text_and_labels_ink_where_anchored() -> None:
    out = draw_overlays(
        blank(120, 60), [Text(10, 10, "JET", style=OverlayStyle(color="white", font_size=16))]
    )
    rows, cols = np.nonzero(inked(out))
    assert cols.min() >= 9 and rows.min() >= 9 and cols.max() < 60 and rows.max() < 35
    labelled = OverlayStyle(color="white", label="start", marker_size=2)
    mask = inked(draw_overlays(blank(120, 60), [Point(10.5, 30.5, style=labelled)]))
    assert mask[20:40, 15:80].any()
    box = inked(draw_overlays(blank(120, 60), [Rectangle(20, 30, 40, 20, style=labelled)]))
    assert box[:29, 15:80].any()  # the label sits above the box


def test_supersampling_antialiases_and_keeps_the_background() -> None:
    background = np.full((60, 80, 3), 40, np.uint8)
    crisp = np.asarray(draw_overlays(background, [RotatedRectangle(15, 22, 40, 12, 30, style=RED)]))
    smooth = np.asarray(
        draw_overlays(background, [RotatedRectangle(15, 22, 40, 12, 30, style=RED)], supersample=4)
    )
    assert set(np.unique(crisp[..., 0])) == {40, 255}
    partial = (smooth[..., 0] > 40) & (smooth[..., 0] < 255)
    assert partial.sum() > 20
    assert (smooth[0, 0] == 40).all()


def test_overlays_drawn_in_order() -> None:
    out = draw_overlays(
        blank(),
        [
            Point(20.5, 20.5, style=OverlayStyle(color="red", marker_size=4)),
            Point(20.5, 20.5, style=OverlayStyle(color="blue", marker_size=2)),
        ],
    )
    assert out.getpixel((20, 20)) == (0, 0, 255)
    assert out.getpixel((23, 20)) == (255, 0, 0)


# --------------------------------------------------------------------------- image inputs


def test_image_inputs(tmp_path: Path) -> None:
    point = [Point(5.5, 5.5, style=OverlayStyle(color="red", marker_size=1))]
    pil = Image.new("RGB", (20, 10))
    out = draw_overlays(pil, point)
    assert out.getpixel((5, 5)) == (255, 0, 0)
    assert pil.getpixel((5, 5)) == (0, 0, 0)  # the input is not modified
    path = tmp_path / "frame.png"
    pil.save(path)
    assert draw_overlays(path, point).getpixel((5, 5)) == (255, 0, 0)
    assert draw_overlays(str(path), point).getpixel((5, 5)) == (255, 0, 0)
    grey = draw_overlays(np.zeros((10, 20), np.uint8), point)
    assert grey.mode == "RGB" and grey.getpixel((5, 5)) == (255, 0, 0)
    rgba = draw_overlays(np.zeros((10, 20, 4), np.uint8), point)
    assert rgba.mode == "RGBA" and rgba.getpixel((5, 5)) == (255, 0, 0, 255)
    rendered = RenderedImage(index=np.zeros((10, 20), np.uint8), palette=palette_for(304))
    assert draw_overlays(rendered, point).getpixel((5, 5)) == (255, 0, 0)
    assert draw_overlays(pil, point[0]).getpixel((5, 5)) == (255, 0, 0)  # one overlay alone
    assert draw_overlays(pil, []).tobytes() == pil.tobytes()


# --------------------------------------------------------------------------- arcsec


def test_synthetic_wcs_is_accepted() -> None:
    fw = frame_wcs(WCS)
    assert fw.pixel_shape == (600, 500)
    assert list(fw.wcs.wcs.ctype) == ["HPLN-TAN", "HPLT-TAN"]


def test_arcsec_point_lands_where_world_to_pixel_says() -> None:
    x, y = world_to_pixel(30.0, -20.0, GEOMETRY, WCS)
    out = draw_overlays(
        blank(360, 300),
        [Point(30.0, -20.0, units="arcsec", style=OverlayStyle(color="red", marker_size=1.5))],
        geometry=GEOMETRY,
        wcs=WCS,
    )
    assert out.getpixel((int(np.floor(x)), int(np.floor(y)))) == (255, 0, 0)
    rows, cols = np.nonzero(inked(out))
    assert np.hypot(cols + 0.5 - x, rows + 0.5 - y).max() <= 2.5
    # Sun centre (CRVAL) is the data-area centre = image centre here; +Ty is up.
    assert x > 180 and y > 150


def test_arcsec_rotated_rectangle_maps_its_corners() -> None:
    box = RotatedRectangle(-40.0, 10.0, 60.0, 20.0, 25.0, units="arcsec", style=RED)
    mask = inked(draw_overlays(blank(360, 300), [box], geometry=GEOMETRY, wcs=frame_wcs(WCS)))
    tx, ty = rectangle_corners(-40.0, 10.0, 60.0, 20.0, 25.0)  # world corners, CCW from +Tx
    cx, cy = world_to_pixel(tx, ty, GEOMETRY, WCS)
    assert_outline(mask, cx, cy)
    # With square pixels the image of the box is a rectangle: the one world_box_to_image finds.
    fitted = world_box_to_image(-10.0, 20.0, 60.0, 20.0, 25.0, GEOMETRY, WCS)
    fx, fy = rectangle_corners(fitted.x, fitted.y, fitted.width, fitted.height, fitted.angle)
    for x, y in zip(cx, cy, strict=True):
        assert np.hypot(fx - x, fy - y).min() < 1e-3


def test_arcsec_rectangle_and_circle() -> None:
    rect = Rectangle(0.0, 0.0, 30.0, 30.0, units="arcsec", style=RED)
    circle = Circle(-30.0, -30.0, 12.0, units="arcsec", style=OverlayStyle(color="blue", line_width=1))
    out = draw_overlays(blank(360, 300), [rect, circle], geometry=GEOMETRY, wcs=WCS)
    rgb = np.asarray(out)
    cx, cy = world_to_pixel(*rectangle_corners(0.0, 0.0, 30.0, 30.0), GEOMETRY, WCS)
    assert_outline(rgb[..., 0] > 0, cx, cy)
    ox, oy = world_to_pixel(-30.0, -30.0, GEOMETRY, WCS)
    px_radius = 12.0 / 0.6 * (0.8 * GEOMETRY.width / 600)  # arcsec -> array pixels -> image pixels
    rows, cols = np.nonzero(rgb[..., 2] > 0)
    radius = np.hypot(cols + 0.5 - ox, rows + 0.5 - oy)
    assert abs(radius.mean() - px_radius) < 1.0


def test_arcsec_scaled_to_a_smaller_image() -> None:
    x, y = world_to_pixel(30.0, -20.0, GEOMETRY, WCS)
    out = draw_overlays(
        blank(180, 150),
        [Point(30.0, -20.0, units="arcsec", style=OverlayStyle(color="red", marker_size=1))],
        geometry=GEOMETRY,
        wcs=WCS,
    )
    assert out.getpixel((int(x / 2), int(y / 2))) == (255, 0, 0)


def test_pixel_overlays_follow_the_geometry_scale() -> None:
    style = OverlayStyle(color="red", marker_size=1)
    out = draw_overlays(blank(180, 150), [Point(100.5, 60.5, style=style)], geometry=GEOMETRY)
    assert out.getpixel((50, 30)) == (255, 0, 0)
    same = draw_overlays(blank(360, 300), [Point(100.5, 60.5, style=style)], geometry=GEOMETRY)
    assert same.getpixel((100, 60)) == (255, 0, 0)


# --------------------------------------------------------------------------- annotations


def mark(index: int, shape: str, **kw: Any) -> Annotation:
    return Annotation(
        classification_id=9, task="T1", mark_index=index, subject_id=7, workflow_id=19650, shape=shape, **kw
    )


def test_annotations_overlay_maps_marks_and_skips_questions() -> None:
    records = [
        mark(0, "question", answer="Yes"),
        mark(1, "point", tool=0, tool_label="base of jet\n", x=10.0, y=20.0, frame=0),
        mark(2, "point", tool=1, x=30.0, y=25.0, frame=3),
        mark(3, "rotateRectangle", tool=2, x=5.0, y=16.0, width=40.0, height=10.0, angle=30.0, frame=0),
        mark(4, "rectangle", tool=2, x=1.0, y=2.0, width=3.0, height=4.0, frame=0),
    ]
    overlays = annotations_overlay(records, labels=True, line_width=3)
    assert [type(o) for o in overlays] == [Point, Point, RotatedRectangle, Rectangle]
    assert [o.style.color for o in overlays] == [DEFAULT_TOOL_COLORS[i] for i in (0, 1, 2, 2)]
    assert overlays[0].style.label == "base of jet"
    assert overlays[1].style.label is None
    assert overlays[2] == RotatedRectangle(5.0, 16.0, 40.0, 10.0, 30.0, style=overlays[2].style)
    assert overlays[2].style.line_width == 3
    assert len(annotations_overlay(records, frame=0)) == 3
    custom = annotations_overlay(records, colors=["red"])
    assert {o.style.color for o in custom} == {"red"}
    # and they draw where the marks are
    mask = inked(draw_overlays(blank(), annotations_overlay(records[3:4], line_width=1)))
    assert_outline(mask, *rectangle_corners(5.0, 16.0, 40.0, 10.0, 30.0))


def test_annotations_overlay_accepts_clusters() -> None:
    cluster = JetCluster(key="7/T1/box/0", subject_id=7, task="T1", shape="rotateRectangle", x=1.0, y=2.0,
                         width=10.0, height=5.0, angle=None)  # fmt: skip
    (overlay,) = annotations_overlay([cluster])
    assert overlay == RotatedRectangle(1.0, 2.0, 10.0, 5.0, 0.0, style=overlay.style)
    assert overlay.style.color == DEFAULT_TOOL_COLORS[0]


def test_annotations_overlay_errors() -> None:
    with pytest.raises(OverlayInputError, match="has no width"):
        annotations_overlay([mark(0, "rectangle", x=1.0, y=2.0, height=3.0)])
    with pytest.raises(OverlayInputError, match="'ellipse', which has no overlay"):
        annotations_overlay([mark(0, "ellipse", x=1.0, y=2.0)])
    with pytest.raises(OverlayInputError, match="at least one colour"):
        annotations_overlay([], colors=[])
    with pytest.raises(OverlayInputError, match="colors\\[1\\]"):
        annotations_overlay([], colors=["red", "nope"])


# --------------------------------------------------------------------------- bad input


def test_arcsec_without_geometry_or_wcs() -> None:
    point = Point(0.0, 0.0, units="arcsec")
    with pytest.raises(OverlayInputError, match="needs geometry= and wcs=") as info:
        draw_overlays(blank(), [point])
    assert isinstance(info.value, CoordinateInputError)
    assert isinstance(info.value, UserError)
    with pytest.raises(CoordinateInputError, match="needs wcs="):
        draw_overlays(blank(), [point], geometry=GEOMETRY)
    with pytest.raises(CoordinateInputError, match="needs geometry="):
        draw_overlays(blank(), [point], wcs=WCS)
    draw_overlays(blank(), [Point(1.0, 1.0)], wcs=WCS)  # pixels need neither


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: Point(float("nan"), 1.0), "Point x must be finite"),
        (lambda: Point("a", 1.0), "Point x must be a number"),
        (lambda: Point(1.0, 1.0, units="fraction"), "units must be 'pixels' or 'arcsec'"),
        (lambda: Point(1.0, 1.0, style="red"), "style must be an OverlayStyle"),
        (lambda: Rectangle(1.0, 1.0, -2.0, 1.0), "width must be >= 0"),
        (lambda: RotatedRectangle(1.0, 1.0, 2.0, 1.0, float("inf")), "angle must be finite"),
        (lambda: Circle(1.0, 1.0, -1.0), "radius must be >= 0"),
        (lambda: Text(1.0, 1.0, 5), "text must be a string"),
        (lambda: Text(1.0, 1.0, "a", anchor="middle"), "anchor"),
        (lambda: OverlayStyle(color="nope"), "not a colour"),
        (lambda: OverlayStyle(color=(300, 0, 0)), "RGB\\(A\\) tuple"),
        (lambda: OverlayStyle(fill="nope"), "fill='nope'"),
        (lambda: OverlayStyle(marker="star"), "marker must be"),
        (lambda: OverlayStyle(line_width=-1), "line_width must be >= 0"),
        (lambda: OverlayStyle(font_size=0), "font_size must be > 0"),
    ],
)
def test_bad_overlays(factory: Any, message: str) -> None:
    with pytest.raises(OverlayInputError, match=message):
        factory()


def test_bad_draw_calls() -> None:
    with pytest.raises(OverlayInputError, match="not dict"):
        draw_overlays(blank(), [{"x": 1}])
    with pytest.raises(OverlayInputError, match="uint8"):
        draw_overlays(np.zeros((5, 5, 3)), [])
    with pytest.raises(OverlayInputError, match="not int"):
        draw_overlays(3, [])
    with pytest.raises(OverlayInputError, match="supersample"):
        draw_overlays(blank(), [], supersample=0)
    with pytest.raises(OverlayInputError, match="ImageGeometry"):
        draw_overlays(blank(), [], geometry={"width": 3})
    with pytest.raises(FileNotFoundError):
        draw_overlays("/nonexistent/frame.png", [])
