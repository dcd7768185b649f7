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
    "bbox": N_("Overall size"), "volume": N_("Volume of the part"), "mass": N_("Weight if printed solid"),
    "area": N_("Outer surface"), "bodies": N_("Separate parts"), "cut_length": N_("Length of the cuts"),
    "length_by_operation": N_("Length per operation (cut, engrave)"),
    "enclosed_area": N_("Area of the parts (holes taken out)"), "engrave_area": N_("Engraved area"),
    "pierce": N_("Cut starts (pierces)"), "sheet_area_used": N_("Sheet used (rectangle around the drawing)"),
    "overhang_area": N_("Overhanging surface (needs supports)"), "filament": N_("Filament used"),
    "layers": N_("Layers"), "extruded_volume": N_("Plastic laid down (volume)"),
    "travel": N_("Moves without cutting"), "travel_file_order": N_("Moves without cutting, in the file's order"),
    "paths": N_("Lines and curves in the drawing"), "closed_paths": N_("Closed outlines"),
    "open_edges": N_("Holes in the surface (open edges)"), "watertight": N_("Closed surface (printable as is)"),
    "triangles": N_("Triangles in the model"), "vertices": N_("Points of the model"),
    "volume_sum": N_("Volume counting overlaps twice"), "texts": N_("Texts not converted to outlines"),
    "images": N_("Images (not cut)"), "bbox_min": N_("Lowest corner (position)"),
    "units_declared": N_("Unit the file declares"), "ascii": N_("Text STL (ASCII)"), "line": N_("Lines"),
    "lines": N_("Program lines"), "process": N_("Process"), "slicer": N_("Slicer"), "machine": N_("Machine"),
    "material": N_("Material"), "layer_height": N_("Layer height"), "extruded_by_type": N_("Extrusion by type"),
    "simple_time": N_("Simple time estimate"), "slicer_time": N_("Slicer's time estimate"),
    "model_height": N_("Height of the part"), "bounds": N_("Area the machine covers (from, to)"),
    "engrave_length": N_("Engrave length"), "passes": N_("Passes"), "kerf": N_("Kerf (width burnt away)"),
    "plunges": N_("Plunges into the material"), "ramps": N_("Ramped entries"), "tool_diameter": N_("Tool diameter"),
    "depth": N_("Cutting depth"), "stepdown": N_("Depth per pass"), "blade_offset": N_("Blade offset"),
    "overcut": N_("Overcut (to close each outline)"), "weeding_border": N_("Weeding border"),
    "first_layer_area": N_("Area touching the bed"), "wall_area": N_("Area of the walls (seen from the side)"),
    "top_area": N_("Flat area facing up"), "bottom_area": N_("Flat area facing down"),
    "prusaslicer_refused": N_("PrusaSlicer refused the model"),
}
PRIMARY = ("bbox", "volume", "mass", "area", "bodies", "cut_length", "length_by_operation", "enclosed_area",
           "engrave_area", "pierce", "sheet_area_used", "overhang_area", "filament", "layers", "travel")

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
