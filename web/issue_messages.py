"""Issue codes -> sentences: the one registry the web and the CLI render issues through.

slicing/ (and drivers/, jobqueue/) report an issue as a code with named parameters (numbers
in mm, counts, names): `make_issue("mesh_open_edges", "error", location, n_open_edges=12)`.
Here each code has its English msgid (and hint) with the same `%(name)s` parameters; the
French is in `web/translations/issues/fr/LC_MESSAGES/messages.po` (an area may keep its own
issues in its own catalog). Stored analyses keep codes and parameters, so a wording fix here
needs no new analysis; analyses stored before this (with `message: {fr, en}`) still render
their own text.

A code whose sentence differs by case has `variant=` in its parameters and entries
`"code/variant"` (whole sentences, never fragments glued together); optional extra sentences go
in `then=`. Parameters named in `_WORD_PARAMS` (process, unit) are codes said as words.

Adding a code: one `IssueText(N_(message), N_(hint))` entry below (the `N_` marks the msgid
for `python -m web.i18n_tool missing`), then its French in a catalog. Plural-sensitive text:
`IssueText(Nn_(singular, plural), hint, count="n_holes")` (ngettext on that parameter).
"""

from __future__ import annotations

from web.issue_messages_files import FILE_ISSUES, PROGRAM_ISSUES
from web.issue_text import N_, IssueText, Nn_
from web.metric_words import VALUE_WORDS

__all__ = ["ISSUES", "IssueText", "MORE_LIKE_ABOVE", "N_", "Nn_"]

MORE_LIKE_ABOVE = N_("… and %(more)s more like the above.")

ISSUES: dict[str, IssueText] = {
    "mesh_open_edges": IssueText(
        N_("The surface has holes: %(n_open_edges)s open edge(s) (edges with a single face)."),
        N_("Close the holes: Blender 3D Print Toolbox > Make Manifold, Meshmixer > Inspector, or "
           "Tinkercad/Fusion 360: export the solid body, not a surface."),
        then=(("small", N_("They are small: the slicer will close them, check the result."),
               N_("Without a closed surface the slicer cannot tell inside from outside.")),),
    ),
    "mesh_several_bodies": IssueText(
        N_("The file holds %(bodies)s separate parts; they will be printed together."),
        N_("If they should be one part, join them (union) in your modeller before exporting."),
        then=(("overlap", N_("Some overlap: their volume is counted once."), ""),),
    ),
    "drawing_empty": IssueText(
        N_("The drawing has no paths to cut or engrave."),
        N_("Check the export: in Inkscape use Path > Object to Path on everything before saving."),
        then=(("texts_or_images", N_("It holds only text or images: convert them to paths."), ""),),
    ),
    "cnc_operation_unknown": IssueText(
        N_("CNC operation '%(op)s' is not one of %(join)s."),
        N_("Fix the layer/colour map in machines.yaml."),
    ),
    "operation_unknown": IssueText(
        N_("Material '%(material)s' has no settings for operation '%(operation)s'."),
        N_("Choose another material or ask the fabmanager to add the operation in machines.yaml."),
    ),
    "nothing_to_print": IssueText(
        N_("No layer of the model has any plastic to print."),
        N_("Check the model's units and that it is a closed solid."),
        then=(("too_thin", N_("The model is too thin to print."), ""),),
    ),
    "analysis_failed": IssueText(
        N_("The file was read but its checks failed unexpectedly (%(name)s)."),
        N_("Tell the fabmanager; exporting the file again (or in another format) often helps."),
    ),
    "builtin_slicer_used": IssueText(
        N_("PrusaSlicer is not installed: the built-in slicer prepared this print."),
    ),
    "cnc_settings_missing": IssueText(
        N_("The machine/material lacks cutting data: %(join)s."),
        N_("Complete the material in machines.yaml or pass the value with --set."),
    ),
    "coordinates_absurd": IssueText(
        N_("%(n_far)s path(s) lie more than %(MAX_COORDINATE_MM)s m from the origin: they are left out."),
        N_("Check the file's units and scale."),
    ),
    "drawing_needs_rotation": IssueText(
        N_("The design fits %(name)s once turned by 90° (%(h)s × %(w)s mm)."),
        N_("Nothing to do: the fabmanager will place it; or rotate it yourself."),
    ),
    "drawing_too_big": IssueText(
        N_("The design (%(w)s × %(h)s mm) is bigger than the bed of %(name)s (%(area)s × %(area2)s mm)."),
        N_("Scale it down, or split it into several files that each fit."),
    ),
    "duplicate_paths": IssueText(
        N_("%(dupes)s path(s) were drawn twice on top of another: each is cut once."),
        N_("Remove duplicate lines in your design software."),
    ),
    "duplicate_segments": IssueText(
        N_("%(sum)s segment(s) lie on top of others (%(total)s mm in all): the machine would cut or "
           "engrave there twice (burnt edges, wasted time)."),
        N_("Delete the duplicates: Inkscape Extensions > Generate from Path > ... or Edit > Select Same "
           "> Object type then remove doubles; in CAD use OVERKILL."),
    ),
    "empty_mesh": IssueText(
        N_("The model has no printable surface."),
        N_("Export the model again."),
    ),
    "empty_program": IssueText(
        N_("The program is empty."),
    ),
    "features_too_narrow": IssueText(
        N_("%(n_narrow)s shape(s) have parts narrower than %(w)s mm on %(name)s: those parts will be burnt "
           "away, left uncut or torn."),
        N_("Widen those parts to more than %(w)s mm, or engrave them instead of cutting."),
    ),
    "features_too_narrow/kerf": IssueText(
        N_("%(n_narrow)s shape(s) have parts narrower than the laser kerf (%(w)s mm) on %(name)s: those "
           "parts will be burnt away."),
        N_("Widen those parts to more than %(w)s mm, or engrave them instead of cutting."),
    ),
    "features_too_narrow/cutter": IssueText(
        N_("%(n_narrow)s shape(s) have parts narrower than the cutter diameter (%(w)s mm) on %(name)s: "
           "those parts will be left uncut."),
        N_("Widen those parts to more than %(w)s mm, or engrave them instead of cutting."),
    ),
    "features_too_narrow/blade": IssueText(
        N_("%(n_narrow)s shape(s) have parts narrower than the blade (twice its offset, %(w)s mm) on "
           "%(name)s: those parts will be torn."),
        N_("Widen those parts to more than %(w)s mm, or engrave them instead of cutting."),
    ),
    "format_unknown": IssueText(
        N_("'%(filename)s' is not a file the fablab can use: send an STL (3D printing) or an SVG/DXF "
           "(laser, CNC, vinyl)."),
        N_("Export from your software as STL (3D) or SVG/DXF (2D)."),
    ),
    "geometry_lost": IssueText(
        N_("The program lost part of the drawing (step: %(stage)s; %(operation)s): %(expected)s mm "
           "drawn, %(got)s mm in the program."),
        N_("Report this job to the fabmanager: the file is kept, the program is not sent to the machine."),
    ),
    "image_not_engraved": IssueText(
        N_("%(n_images)s image(s) are ignored: raster engraving is not supported."),
        N_("Trace the image to vector paths."),
    ),
    "machine_unknown": IssueText(
        N_("There is no machine '%(machine_id)s' in this fablab (known: %(known)s); all compatible "
           "machines are considered."),
    ),
    "material_unknown": IssueText(
        N_("No compatible machine offers the material '%(material)s' (available: %(join)s); the quotes "
           "show every material."),
    ),
    "mesh_degenerate_faces": IssueText(
        N_("%(n_degenerate_faces)s face(s) have no area (zero-size triangles); they will be ignored."),
        N_("Harmless in small numbers; 'Merge by distance' in Blender removes them."),
    ),
    "mesh_details_too_small": IssueText(
        N_("%(n_small)s detail(s) are smaller than the %(nozzle_mm)s mm nozzle can draw (e.g. "
           "%(small)s): they will not print."),
        N_("Enlarge these details or remove them."),
    ),
    "mesh_inconsistent_winding": IssueText(
        N_("Some faces are turned inside out: %(n_misoriented_edges)s edge(s) join faces whose normals "
           "disagree. The volume and the slicing may be wrong there."),
        N_("Recalculate the normals: Blender Edit mode > Mesh > Normals > Recalculate Outside; "
           "Meshmixer > Inspector > Auto Repair."),
    ),
    "mesh_inverted_normals": IssueText(
        N_("%(n_inverted)s body(ies) are inside out (negative volume): all normals point inwards."),
        N_("Flip the normals (Blender: Mesh > Normals > Flip); most slicers also fix it on their own."),
    ),
    "mesh_needs_rotation": IssueText(
        N_("As placed (%(extents)s) the part does not fit %(name)s (%(area)s); %(rotation)s it does "
           "(%(best2)s)."),
        N_("Rotate it in the slicer (or in your modeller) as suggested."),
    ),
    "mesh_no_volume": IssueText(
        N_("The model has no volume (size %(ext)s): it is flat or empty, there is nothing to print."),
        N_("Give the shape a thickness (Extrude in Tinkercad/Fusion 360, Solidify modifier in Blender)."),
    ),
    "mesh_nonmanifold_edges": IssueText(
        N_("%(n_nonmanifold_edges)s edge(s) are shared by more than two faces (internal walls or parts "
           "touching along an edge)."),
        N_("Merge the bodies (union) before exporting, or remove the internal faces."),
    ),
    "mesh_overhangs": IssueText(
        N_("%(overhang_area_mm2)s mm² of surface overhangs more than 45°: supports will be needed there."),
        N_("Turn the part so big flat faces rest on the bed, or accept supports (more time and material)."),
    ),
    "mesh_scale_suspicious": IssueText(
        N_("The model is only %(ext)s if its unit is the millimetre: it was probably exported in another "
           "unit. Confirm the unit: the size each unit gives is listed under “Where”."),
        N_("Choose the right unit when exporting (millimetres), or scale the part in the slicer."),
        then=(("normalised", N_("It looks like a scan normalised to 1 unit."), ""),),
    ),
    "mesh_thin_walls": IssueText(
        N_("Walls thinner than the %(nozzle_mm)s mm nozzle (down to %(min_thickness_mm)s mm, about "
           "%(thin_area_mm2)s mm² of surface): they will be missing or fragile."),
        N_("Thicken those walls to at least %(nozzle_mm2)s mm (two nozzle widths)."),
    ),
    "mesh_too_big": IssueText(
        N_("The part (%(extents)s) does not fit %(name)s (%(area)s) in any orientation."),
        N_("Scale it down, or cut it into pieces to glue (Meshmixer Plane Cut, PrusaSlicer Cut tool)."),
    ),
    "narrower_than_tool": IssueText(
        N_("A feature about %(width)s wide near (%(x)s, %(y)s) is narrower than the %(r)s mm tool: it "
           "cannot be cut as drawn."),
        N_("Widen the feature to at least the tool diameter, or choose a smaller tool."),
    ),
    "not_watertight": IssueText(
        N_("The model is not closed: some layers may print wrongly."),
        N_("Repair the mesh (e.g. in PrusaSlicer or Meshmixer)."),
    ),
    "nothing_to_cut": IssueText(
        N_("The design has no path to cut or engrave."),
        N_("Convert text and shapes to paths before exporting."),
    ),
    "open_contours": IssueText(
        N_("%(n_loose_ends)s loose end(s): some outlines are not closed, so the part will not come out "
           "of the sheet there."),
        N_("Join the ends: Inkscape Path > Join (Ctrl+J) on the selected nodes; in CAD use JOIN / PEDIT "
           "to make closed polylines."),
        then=(("smallest_gap", N_("The smallest gap is %(smallest_gap)s mm."), ""),
              ("closable", N_("%(closable)s end(s) within %(close_mm)s mm of another can be closed."), "")),
    ),
    "operation_defaulted": IssueText(
        N_("Paths with colour/layer '%(key)s' have no operation mapped: they are treated as '%(default)s'."),
        N_("Use a colour or layer the machine knows to choose engraving or cutting."),
    ),
    "option_invalid": IssueText(
        N_("Option '%(key)s' is %(value)s: that value cannot work."),
        N_("Correct the value in the job options or machines.yaml."),
    ),
    "option_invalid/positive": IssueText(
        N_("Option '%(key)s' is %(value)s: it must be a number above 0."),
        N_("Correct the value in the job options or machines.yaml."),
    ),
    "option_invalid/non_negative": IssueText(
        N_("Option '%(key)s' is %(value)s: it must be a number, 0 or more."),
        N_("Correct the value in the job options or machines.yaml."),
    ),
    "parts_too_close": IssueText(
        N_("Two parts are closer than the %(tool_diameter)s mm tool near (%(x)s, %(y)s)."),
        N_("Space the parts by at least the tool diameter."),
    ),
    "raster_image": IssueText(
        N_("%(n_images)s bitmap image(s) (photo, scan): they cannot be cut and are left out."),
        N_("Vectorise them: Inkscape Path > Trace Bitmap, then delete the image."),
    ),
    "self_intersections": IssueText(
        N_("%(n_bad)s path(s) cross themselves: the inside of such a shape is ambiguous (offsets, fills "
           "and kerf compensation can go wrong)."),
        N_("Redraw the crossing part, or in Inkscape use Path > Union on the shape to clean it."),
    ),
    "mesh_first_layer_empty": IssueText(
        N_("Only %(area_mm2)s mm² of the part is in its first layer: it rests on a point or an edge and "
           "may come off the bed."),
        N_("Lay the part on a flat face, or give it a flat base in your modeller."),
        then=(("prusaslicer_refuses",
               N_("PrusaSlicer refuses such a model (%(machines)s): the built-in slicer will prepare it."), ""),
              ("prepare_fails", N_("This printer insists on PrusaSlicer: its preparation will fail."), "")),
    ),
    "prusaslicer_refused_builtin_used": IssueText(
        N_("PrusaSlicer refused this model (its own words are in the technical details): the built-in slicer "
           "prepared this print."),
        N_("To print it with PrusaSlicer, repair the mesh (Meshmixer > Inspector, or PrusaSlicer's own "
           "repair) and send it again."),
    ),
    "slicer_missing": IssueText(
        N_("This machine asks for PrusaSlicer, which is not installed on this server."),
        N_("Install prusa-slicer or set slicer: auto in machines.yaml."),
    ),
    "slicing_too_long": IssueText(
        N_("The model is too complex for the built-in slicer's time limit."),
        N_("Simplify the mesh (fewer triangles) or ask for PrusaSlicer to be installed."),
    ),
    "smaller_than_kerf": IssueText(
        N_("A hole is smaller than the kerf (%(kerf)s mm): it is not cut."),
        N_("Enlarge the hole or remove it from the design."),
    ),
    "text_not_cut": IssueText(
        N_("%(n_texts)s text element(s) are not cut: only paths are."),
        N_("Convert text to paths (Inkscape: Path > Object to Path)."),
    ),
    "text_not_outlined": IssueText(
        N_("%(n_texts)s text element(s) are real text, not outlines: the machine cannot follow letters "
           "it does not have the shapes of; they are left out."),
        N_("Convert the text to paths: Inkscape Path > Object to Path (Shift+Ctrl+C); Illustrator Type "
           "> Create Outlines; in CAD, EXPLODE the text."),
    ),
    "too_big_for_bed": IssueText(
        N_("The model (%(size)s x %(size2)s x %(size3)s mm) does not fit the printer (%(x)s x %(y)s x "
           "%(z)s mm)."),
        N_("Scale it down, turn it, or split it into parts."),
    ),
    "too_small_to_weed": IssueText(
        N_("A shape of %(max)s mm is smaller than %(min_island)s mm: it will be hard to weed."),
        N_("Enlarge small details or remove them."),
    ),
    "units_unconfirmed": IssueText(
        N_("The drawing's unit is not certain: it was read in %(unit)s. Confirm the size (each unit's size "
           "is listed under “Where”)."),
        N_("Check the size matches your design; otherwise export again with the unit set to millimetres."),
    ),
    "units_unconfirmed/dxf_unitless": IssueText(
        N_("This DXF does not state its unit ($INSUNITS = 0): it was read in %(unit)s. Confirm the size "
           "(each unit's size is listed under “Where”)."),
        N_("Check the size matches your design; otherwise export again with the unit set to millimetres."),
    ),
    "units_unconfirmed/svg_90dpi": IssueText(
        N_("This SVG comes from an old Inkscape (90 px per inch instead of 96): it is measured at 90 px per "
           "inch. Confirm the size (each choice's size is listed under “Where”)."),
        N_("Check the size matches your design; otherwise export again with the unit set to millimetres."),
    ),
    "vinyl_islands_too_small": IssueText(
        N_("%(n_tiny)s piece(s) are smaller than %(s)s mm: too small to weed, they will come off with "
           "the waste."),
        N_("Enlarge the design or remove details under %(s)s mm (dots of i, thin serifs)."),
    ),
    "wrong_process": IssueText(
        N_("This file does not suit the process “%(process)s”."),
        N_("Choose the process that matches the file, or export the right kind of file."),
    ),
    "wrong_process/mesh": IssueText(
        N_("This file is a 3D model; the process “%(process)s” needs an SVG or a DXF (2D drawing)."),
        N_("Choose the process that matches the file, or export the right kind of file."),
    ),
    "wrong_process/drawing": IssueText(
        N_("This file is a 2D drawing; the process “%(process)s” needs an STL (3D model)."),
        N_("Choose the process that matches the file, or export the right kind of file."),
    ),
    "zero_length_segments": IssueText(
        N_("%(n)s segment(s) or path(s) have zero length; they are ignored."),
        N_("Harmless; 'Simplify' or deleting the stray points removes them."),
    ),
}

_OPERATIONS = {k: VALUE_WORDS[k] for k in ("cut", "engrave", "outside", "inside", "on", "pocket")}
# Parameters that are codes, said as words: {"process": "laser"} -> "laser cutting".
_WORD_PARAMS: dict[str, dict[str, str]] = {
    "process": {"fdm": N_("3D printing (FDM)"), "laser": N_("Laser cutting"), "cnc": N_("CNC router"),
                "vinyl": N_("Vinyl cutting")},
    "rotation": {"0,1,2": N_("as it is"), "1,0,2": N_("rotated 90° about Z"),
                 "0,2,1": N_("rotated 90° about X (laid on its side)"),
                 "2,1,0": N_("rotated 90° about Y (laid on its side)"),
                 "1,2,0": N_("rotated 90° about Y then 90° about Z"),
                 "2,0,1": N_("rotated 90° about X then 90° about Z")},
    "operation": {**_OPERATIONS, "all": N_("every operation"), "none": N_("no operation")},
    "default": _OPERATIONS,
    "what": {"mesh": N_("3D file"), "svg": N_("SVG drawing"), "dxf": N_("DXF drawing")},
    # geometry_lost (slicing.toolpaths.fidelity): the step that lost part of the drawing
    "stage": {"contours": N_("reading the contours"), "closed_contours": N_("closing the contours"),
              "toolpaths": N_("making the toolpaths"), "bounds": N_("checking the outer limits")},
    "unit": {"mm": N_("millimetres"), "cm": N_("centimetres"), "in": N_("inches"), "m": N_("metres"),
             "px96": N_("96 px per inch"), "px90": N_("90 px per inch")},
}

# Reading a file, checking a program, preparing it: their own module, one registry.
ISSUES.update(FILE_ISSUES)
ISSUES.update(PROGRAM_ISSUES)
