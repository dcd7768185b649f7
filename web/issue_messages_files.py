"""Issue codes of reading a file and of checking and preparing its program -> sentences.

The other half of the registry in web/issue_messages.py (merged into its `ISSUES`): the
readers' refusals (`UnreadableFile(code, detail, **params)` in slicing/readers), the reading
notes of a DXF, the program checks (slicing/program_checks.py), prepare's own failures
(slicing/prepare.py) and PrusaSlicer's. A parser's or PrusaSlicer's own words never go in a
sentence: they travel as the issue's `detail`, shown behind the page's technical details.
French in web/translations/codes/fr/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

from web.issue_text import N_, IssueText

_EXPORT_AGAIN = N_("Export the file again from your modelling software.")
_SIMPLIFY = N_("Simplify the design (fewer curves, blocks or details) and upload it again.")
_REOPEN_SVG = N_("Open it in Inkscape (or your drawing software) and save it again.")
_PREPARE_AGAIN = N_("Prepare the job again; if it happens again, report the job to the fabmanager.")
_TELL = N_("Tell the fabmanager.")
_PLAIN_SVG = N_("Save the file as 'Plain SVG' (Inkscape) or export it again from your software.")
_DECIMATE = N_("Reduce the number of triangles (decimate) or details before exporting.")
_MATERIAL = N_("Check the material settings in machines.yaml.")
_FITS = N_("Choose a machine that fits the file.")
_BED = N_("Check that the model is a closed solid that fits the bed.")
_DXF_AGAIN = N_("Export it again as DXF R2000 or later from your CAD software.")

FILE_ISSUES: dict[str, IssueText] = {
    "file_too_slow": IssueText(N_("Reading the file takes longer than the %(seconds)s second limit."), _SIMPLIFY),
    "file_too_large": IssueText(N_("The file is too large for this kind of file."),
                                _DECIMATE),
    "file_too_large/mb": IssueText(
        N_("The file is %(size)s MB: the limit for this kind of file is %(limit)s MB."),
        _DECIMATE),
    "file_too_large/kb": IssueText(
        N_("The file is %(size)s kB: the limit for this kind of file is %(limit)s kB."),
        _DECIMATE),
    "file_too_large/ascii_stl": IssueText(N_("A text (ASCII) STL is limited to %(limit)s MB."),
                                          N_("Export as binary STL: the file will be 5 times smaller.")),
    "file_empty": IssueText(N_("The file is empty (0 bytes)."),
                            N_("The export probably failed: export again and check the file size.")),
    "file_too_complex": IssueText(N_("This %(what)s is too complex to read (memory or nesting limit)."), _SIMPLIFY),
    "file_missing": IssueText(N_("The file cannot be found on the server."), _TELL),
    "file_unreadable": IssueText(
        N_("This %(what)s could not be read: it is damaged or in an unexpected format."), _EXPORT_AGAIN),
    "mesh_unreadable": IssueText(N_("This %(suffix)s file could not be read: it is damaged or in an unexpected "
                                    "format."), _EXPORT_AGAIN),
    "mesh_no_triangles": IssueText(N_("The file holds no triangles."), _EXPORT_AGAIN),
    "mesh_invalid": IssueText(N_("The mesh is too big (%(triangles)s triangles, the limit is %(limit)s) or has "
                                 "invalid coordinates."), _EXPORT_AGAIN),
    "too_many_triangles": IssueText(N_("The model has %(count)s triangles: the limit is %(limit)s."),
                                    N_("Reduce the triangle count (decimate) in your software before exporting.")),
    "stl_no_triangles": IssueText(N_("This file is not a readable STL: it holds no triangles."), _EXPORT_AGAIN),
    "stl_non_finite": IssueText(
        N_("%(n_bad)s triangle(s) have invalid coordinates (not a number or infinite), e.g. triangle "
           "#%(first)s."),
        N_("The file is corrupt: export it again; if it persists, repair the model (Meshmixer, Blender's 3D "
           "Print Toolbox).")),
    "size_over_limit": IssueText(N_("Coordinates exceed %(limit_mm)s mm: not an object anyone can make."),
                                 N_("Check the export unit (mm) and the model's scale.")),
    "size_over_limit/svg": IssueText(N_("The SVG declares enormous (over %(limit_m)s m) or invalid dimensions."),
                                     N_("Check the document size (width, height, viewBox) in your software.")),
    "stl_truncated": IssueText(
        N_("This file is not a readable STL: its header declares %(declared)s triangles but the file holds "
           "only %(present)s (truncated file, %(size)s bytes)."),
        N_("The upload or the export was cut short: export the file again and send it again.")),
    "stl_count_mismatch": IssueText(
        N_("This file is not a readable STL: its header declares %(declared)s triangles while the file size "
           "allows %(present)s (+%(extra)s bytes)."), _EXPORT_AGAIN),
    "stl_not_stl": IssueText(
        N_("This file is not a readable STL: it does not start with 'solid' and its size does not match a "
           "binary STL."), _EXPORT_AGAIN),
    "stl_not_stl/short": IssueText(
        N_("This file is not a readable STL: it is only %(size)s bytes and does not start with 'solid' (a "
           "binary STL has at least 84)."), _EXPORT_AGAIN),
    "stl_ascii_malformed": IssueText(
        N_("This text STL is incomplete or malformed: %(facets)s 'facet', %(endfacets)s 'endfacet' and "
           "%(vertices)s 'vertex'."), _EXPORT_AGAIN),
    "stl_ascii_malformed/number": IssueText(
        N_("This text STL is malformed: a vertex holds something that is not a number."), _EXPORT_AGAIN),
    "svg_refused": IssueText(N_("This SVG was refused: its content is unsafe to read."),
                             _PLAIN_SVG),
    "svg_refused/depth": IssueText(
        N_("This SVG was refused: more than %(limit)s levels of nested groups."),
        _PLAIN_SVG),
    "svg_refused/elements": IssueText(
        N_("This SVG was refused: more than %(limit)s elements."),
        _PLAIN_SVG),
    "svg_refused/entities": IssueText(
        N_("This SVG was refused: it declares XML entities (a possible 'billion laughs' attack)."),
        _PLAIN_SVG),
    "svg_refused/external": IssueText(
        N_("This SVG was refused: it refers to an external file."),
        _PLAIN_SVG),
    "svg_not_svg": IssueText(N_("This XML file is not an SVG (its first element is <%(tag)s>)."),
                             N_("Export the drawing as SVG or DXF from your software.")),
    "svg_malformed": IssueText(N_("This SVG is malformed at line %(line)s, column %(column)s."), _REOPEN_SVG),
    "svg_malformed/nowhere": IssueText(N_("This SVG is malformed."), _REOPEN_SVG),
    "svg_malformed/truncated": IssueText(
        N_("This SVG ends too early (line %(line)s, column %(column)s): the file is cut short or an element "
           "is never closed."), _REOPEN_SVG),
    "svg_malformed/invalid_token": IssueText(
        N_("This SVG holds a character or a mark that XML does not allow at line %(line)s, column "
           "%(column)s."), _REOPEN_SVG),
    "svg_malformed/mismatched_tag": IssueText(
        N_("This SVG closes an element that was not the last one opened, at line %(line)s, column "
           "%(column)s."), _REOPEN_SVG),
    "svg_malformed/junk_after": IssueText(
        N_("This SVG has text after its end, at line %(line)s, column %(column)s."), _REOPEN_SVG),
    "svg_malformed/undefined_entity": IssueText(
        N_("This SVG uses an undefined entity (a name between & and ;) at line %(line)s, column %(column)s."),
        _REOPEN_SVG),
    "svg_malformed/interpret": IssueText(N_("This SVG could not be interpreted (%(name)s)."), _REOPEN_SVG),
    "too_many_points": IssueText(N_("The drawing's curves give more than %(limit)s points: that is the limit."),
                                 _SIMPLIFY),
    "too_many_entities": IssueText(
        N_("The drawing has more than %(limit)s entities (blocks expanded): that is the limit."),
        N_("Simplify the drawing or remove needless repeated blocks.")),
    "dxf_non_finite": IssueText(N_("An entity of the drawing has invalid coordinates (not a number or infinite)."),
                                _EXPORT_AGAIN),
    "dxf_block_cycle": IssueText(
        N_("Block '%(name)s' contains itself (a reference loop): the drawing would be infinite."),
        N_("Open the drawing in your CAD software, explode or fix that block, then export again.")),
    "dxf_blocks_too_deep": IssueText(N_("Blocks are nested more than %(limit)s levels deep: that is the limit."),
                                     N_("Explode the blocks (EXPLODE command) before exporting.")),
    "dxf_unreadable": IssueText(N_("This file is not a readable DXF."),
                                _DXF_AGAIN),
    "dxf_unreadable/handle": IssueText(N_("This file is not a readable DXF (entity %(handle)s)."),
                                       _DXF_AGAIN),
    "dxf_read_tolerant": IssueText(
        N_("This DXF lacks the expected structure (subclass markers missing): it was read by a more tolerant "
           "reader. Check the preview."),
        N_("If the preview is wrong, open the file in your software and export it again as DXF R2000 or later.")),
    "dxf_paper_space": IssueText(
        N_("The drawing was read from paper space (model space is empty)."),
        N_("Check the scale in the preview: a layout may be at print scale, not at the part's scale.")),
    "dxf_repaired": IssueText(
        N_("The file was damaged: %(n)s defect(s) repaired while reading. Check the preview."),
        N_("If the preview is wrong, open the drawing in your CAD software, run AUDIT (or 'Repair'), then "
           "export again.")),
    "dxf_entities_ignored": IssueText(
        N_("Entities without a cutting path, ignored: %(listed)s."),
        N_("Dimensions, points and hatches are not cut. If a shape is missing from the preview, turn it into "
           "a polyline before exporting.")),
    "analysis_crashed": IssueText(N_("The analysis of the file failed unexpectedly (%(name)s)."), _TELL),
}

PROGRAM_ISSUES: dict[str, IssueText] = {
    "check_failed": IssueText(N_("The program could not be checked (%(name)s)."), _TELL),
    "format_mismatch": IssueText(
        N_("The program is %(fmt)s but machine '%(machine)s' (%(driver)s) takes %(wants)s."),
        N_("Set the machine's `output` to match its driver in machines.yaml.")),
    "unparsable_line": IssueText(N_("Line %(line)s cannot be read by the machine."), _PREPARE_AGAIN),
    "unparsable_line/grbl_word": IssueText(
        N_("Line %(line)s uses a letter GRBL does not know (%(letters)s): the machine would refuse it."),
        _PREPARE_AGAIN),
    "no_motion": IssueText(N_("The program moves nothing."), N_("Check the design.")),
    "non_ascii": IssueText(
        N_("Line %(line)s has non-ASCII characters, which the firmware may take as commands."),
        N_("Remove accents from program comments.")),
    "line_too_long": IssueText(N_("Line %(line)s is %(length)s characters long: the firmware accepts %(limit)s."),
                               N_("Prepare the job again with fewer decimals.")),
    "not_a_number": IssueText(N_("Line %(line)s holds a value that is not a number."),
                              N_("The geometry probably has invalid coordinates: check the file.")),
    "outside_work_area": IssueText(
        N_("The program leaves the work area (%(area_x)s × %(area_y)s mm) at line %(line)s: X %(x)s, Y %(y)s, "
           "Z %(z)s; it spans X %(x_min)s to %(x_max)s, Y %(y_min)s to %(y_max)s mm."),
        N_("Scale the design down or split it across several sheets.")),
    "feed_undefined": IssueText(N_("Line %(line)s cuts before any feed rate is set (GRBL error 22)."),
                                _PREPARE_AGAIN),
    "feed_not_positive": IssueText(N_("Line %(line)s has a feed of %(feed)s mm/min."), _PREPARE_AGAIN),
    "feed_above_limit": IssueText(N_("Line %(line)s asks %(feed)s mm/min; the machine's limit is %(limit)s mm/min."),
                                  N_("Lower the speed in the options or the material settings.")),
    "power_out_of_range": IssueText(N_("Line %(line)s sets a value of %(value)s, outside 0 to %(limit)s."),
                                    _MATERIAL),
    "power_out_of_range/temperature": IssueText(
        N_("Line %(line)s sets the temperature to %(value)s °C, outside 0 to %(limit)s °C."),
        _MATERIAL),
    "power_out_of_range/power": IssueText(
        N_("Line %(line)s sets the laser power to %(value)s, outside 0 to %(limit)s."),
        _MATERIAL),
    "power_out_of_range/spindle": IssueText(
        N_("Line %(line)s sets the spindle speed to %(value)s rpm, outside 0 to %(limit)s rpm."),
        _MATERIAL),
    "material_unknown/machine": IssueText(
        N_("Machine '%(machine)s' has no material '%(material)s' (known: %(join)s)."),
        N_("Approve the job again with one of the machine's materials.")),
    "reader_missing": IssueText(N_("The file readers are not available on this server."), _TELL),
    "unreadable_file": IssueText(N_("The file could not be read (%(name)s)."),
                                 N_("Export the file again from your design software.")),
    "prepare_failed": IssueText(N_("The program could not be prepared (%(name)s)."),
                                N_("Report this job to the fabmanager.")),
    "wrong_input_kind": IssueText(N_("This machine cannot use this kind of file."),
                                  _FITS),
    "wrong_input_kind/mesh": IssueText(N_("This machine (%(process)s) needs a 3D model."),
                                       _FITS),
    "wrong_input_kind/drawing": IssueText(N_("This machine (%(process)s) needs a 2D drawing."),
                                          _FITS),
    "slicer_failed": IssueText(N_("PrusaSlicer could not prepare this model."),
                               _BED),
    "slicer_failed/refused": IssueText(N_("PrusaSlicer refused this model (its own words are in the technical "
                                          "details)."),
                                       _BED),
    "slicer_failed/timeout": IssueText(N_("PrusaSlicer did not finish within %(seconds)s s."),
                                       N_("Simplify the mesh (fewer triangles), or ask the fabmanager to prepare it.")),
}
