"""The words of the figures tables: metric names, and the codes a metric holds (operations,
extrusion types, slicer names), as English msgids said through the catalogs.

slicing/ names a metric with its unit suffix (`cut_length_mm`) and keeps codes as values
(`{"cut": 200.0, "engrave": 31.3}`); web/pages_format.py splits the suffix and says the rest
here. French in web/translations/codes.
"""

from __future__ import annotations

from web.issue_text import N_

# Metric names without their unit suffix; the first ones (PRIMARY) are shown first.
LABELS: dict[str, str] = {
    "bbox": N_("Size"), "volume": N_("Volume"), "mass": N_("Mass"), "area": N_("Surface area"),
    "bodies": N_("Separate bodies"), "cut_length": N_("Cut length"), "length_by_operation": N_("Length per operation"),
    "enclosed_area": N_("Enclosed area"), "engrave_area": N_("Engraved area"), "pierce_count": N_("Pierces"),
    "sheet_area_used": N_("Sheet used"), "overhang_area": N_("Overhang area"), "filament": N_("Filament"),
    "layers": N_("Layers"), "extruded_volume": N_("Extruded volume"), "travel": N_("Travel"),
    "travel_file_order": N_("Travel in file order"), "paths": N_("Paths"), "closed_paths": N_("Closed paths"),
    "open_edges": N_("Open edges"), "watertight": N_("Watertight"), "triangles": N_("Triangles"),
    "vertices": N_("Vertices"), "volume_sum": N_("Sum of body volumes"), "texts": N_("Texts"), "images": N_("Images"),
    "bbox_min": N_("Minimum corner"), "units_declared": N_("Declared units"), "ascii": N_("ASCII STL"),
    "line_count": N_("Lines"), "lines": N_("Program lines"), "process": N_("Process"), "slicer": N_("Slicer"),
    "machine": N_("Machine"), "material": N_("Material"), "layer_height": N_("Layer height"),
    "extruded_by_type": N_("Extrusion by type"), "simple_time": N_("Simple time estimate"),
    "slicer_time": N_("Slicer's time estimate"), "model_height": N_("Model height"), "bounds": N_("Program bounds"),
    "engrave_length": N_("Engrave length"), "passes": N_("Passes"), "kerf": N_("Kerf"), "plunges": N_("Plunges"),
    "ramps": N_("Ramps"), "tool_diameter": N_("Tool diameter"), "depth": N_("Depth"), "stepdown": N_("Step-down"),
    "blade_offset": N_("Blade offset"), "overcut": N_("Overcut"), "weeding_border": N_("Weeding border"),
    "first_layer_area": N_("First layer area"), "prusaslicer_refused": N_("PrusaSlicer refused the model"),
}
PRIMARY = ("bbox", "volume", "mass", "area", "bodies", "cut_length", "length_by_operation", "enclosed_area",
           "engrave_area", "pierce_count", "sheet_area_used", "overhang_area", "filament", "layers", "travel")

# Codes found as metric values or dict keys (operations of the colour/layer maps, the built-in
# slicer's extrusion types, slicer names), said as words; any other value is shown as written.
VALUE_WORDS: dict[str, str] = {
    "cut": N_("cut"), "engrave": N_("engrave"), "outside": N_("outside contour"), "inside": N_("inside contour"),
    "on": N_("on the line"), "pocket": N_("pocket"), "fill": N_("fill"),
    "SKIRT": N_("skirt"), "WALL-INNER": N_("inner walls"), "WALL-OUTER": N_("outer walls"), "SKIN": N_("top and bottom"),
    "FILL": N_("infill"), "SUPPORT": N_("support"),
    "builtin": N_("built-in slicer"), "prusaslicer": N_("PrusaSlicer"),
    "fdm": N_("3D printing (FDM)"), "laser": N_("Laser cutting"), "cnc": N_("CNC router"), "vinyl": N_("Vinyl cutting"),
}
