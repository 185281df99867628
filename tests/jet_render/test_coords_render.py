"""jet_render.coords against the renderer itself: an image pixel shows the array pixel
that the geometry maps it to, and a synthetic jet's base lands where its truth says."""

from __future__ import annotations

import numpy as np
import pytest
from jet_render.coords import ImageGeometry, pixel_to_world, world_to_pixel
from jet_sandbox.aia import CutoutSpec, frame, random_jet

framed = pytest.importorskip("jet_render.framed")


@pytest.mark.parametrize(("crota2", "size"), [(0.0, (1920, 1440)), (20.0, (960, 720))])
def test_rendered_pixels_show_the_mapped_array_pixels(crota2: float, size: tuple[int, int]) -> None:
    spec = CutoutSpec(
        center_x=-820.0, center_y=380.0, shape=(200, 160), crota2=crota2, seed=11,
        start_time="2012-07-08T13:00:00", end_time="2012-07-08T13:20:00",
    )  # fmt: skip
    jet = random_jet(11, spec)
    data, header = frame(spec, jet, jet.peak_time)
    img = framed.render_framed(data, header, size=size)
    ll_x, ll_y, ur_x, ur_y = img.fractions
    g = ImageGeometry(width=img.width, height=img.height, im_ll_x=ll_x, im_ll_y=ll_y, im_ur_x=ur_x,
                      im_ur_y=ur_y, naxis1=spec.nx, naxis2=spec.ny)  # fmt: skip
    left, top, right, bottom = g.data_area_pixels()
    cols = np.arange(int(np.ceil(left)) + 2, int(right) - 2)
    rows = np.arange(int(np.ceil(top)) + 2, int(bottom) - 2)
    x, y = np.meshgrid(cols + 0.5, rows + 0.5)  # image pixel centres
    px, py = g.image_to_array(x, y)
    clear = (np.abs(px - np.round(px)) < 0.45) & (np.abs(py - np.round(py)) < 0.45)  # not on a cell border
    expected = framed.data_indices(data)[np.round(py).astype(int), np.round(px).astype(int)]
    shown = img.index[rows[:, None], cols[None, :]]
    assert clear.mean() > 0.5
    # The renderer draws grid lines and inward ticks over the data (under 1 % of pixels);
    # a half-pixel slip in the mapping would break about half of the rest.
    assert np.mean(shown[clear] == expected[clear]) > 0.99
    # the truth base point, through world -> image, is shown by the array pixel holding it
    bx, by = world_to_pixel(jet.base_x, jet.base_y, g, header)
    tpx, tpy = spec.world_to_pixel(jet.base_x, jet.base_y)
    np.testing.assert_allclose(g.image_to_array(bx, by), [tpx, tpy], rtol=0, atol=1e-6)
    np.testing.assert_allclose(pixel_to_world(bx, by, g, header), [jet.base_x, jet.base_y], rtol=0, atol=1e-6)
    assert img.index[int(by), int(bx)] >= np.percentile(img.index[rows[:, None], cols[None, :]], 99)
