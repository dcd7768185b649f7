"""3D validation: what is wrong with a mesh for FDM printing, where, and what to do about it.

Messages are for beginners, in French first (the fablab's users) and English; each hint
names what to do in common modelling software.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from slicing.analysis.mesh_facts import MeshFacts
from slicing.analysis.orientation import fitting_orientations
from slicing.analysis.thin_walls import thin_walls
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import make_issue

MAX_LOCATIONS = 20
SMALL_HOLE_EDGES = 12  # open edges a slicer's automatic repair closes reliably
UNIT_WORDS = {"mm": ("millimètres", "millimetres"), "cm": ("centimètres", "centimetres"), "in": ("pouces", "inches"),
              "m": ("mètres", "metres"), "px96": ("96 px par pouce", "96 px per inch"),
              "px90": ("90 px par pouce", "90 px per inch")}


def _pts(points: np.ndarray) -> list[list[float]]:
    return [[round(float(c), 2) for c in p] for p in points[:MAX_LOCATIONS]]


def _mm(v: float) -> str:
    if 0 < v < 0.01:
        return "< 0.01"
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _box(ext: np.ndarray | list[float]) -> str:
    return " × ".join(_mm(float(v)) for v in ext) + " mm"


def topology_issues(f: MeshFacts) -> list[dict[str, Any]]:
    issues = []
    if len(f.open_edges):
        mids = (f.vertices[f.open_edges[:, 0]] + f.vertices[f.open_edges[:, 1]]) / 2
        # A missing triangle or two is closed by any slicer's repair; a surface with real holes is not.
        small = len(f.open_edges) <= min(SMALL_HOLE_EDGES, 0.001 * 1.5 * len(f.faces))
        issues.append(make_issue(
            "mesh_open_edges", "warning" if small else "error",
            f"The surface has holes: {len(f.open_edges)} open edge(s) (edges with a single face). "
            + ("They are small: the slicer will close them, check the result."
               if small else "Without a closed surface the slicer cannot tell inside from outside."),
            f"La surface a des trous : {len(f.open_edges)} arête(s) ouverte(s) (bordées d'une seule face). "
            + ("Ils sont petits : le trancheur les refermera, vérifiez le résultat."
               if small else "Sans surface fermée, le trancheur ne sait pas où est l'intérieur de la pièce."),
            "Close the holes: Blender 3D Print Toolbox > Make Manifold, Meshmixer > Inspector, or "
            "Tinkercad/Fusion 360: export the solid body, not a surface.",
            "Bouchez les trous : Blender « 3D Print Toolbox » > Make Manifold, Meshmixer > Analyse > "
            "Inspecteur, ou dans Tinkercad/Fusion 360 exportez le corps solide et non une surface.",
            {"open_edges": int(len(f.open_edges)), "points": _pts(mids)},
        ))
    if len(f.nonmanifold_edges):
        mids = (f.vertices[f.nonmanifold_edges[:, 0]] + f.vertices[f.nonmanifold_edges[:, 1]]) / 2
        issues.append(make_issue(
            "mesh_nonmanifold_edges", "warning",
            f"{len(f.nonmanifold_edges)} edge(s) are shared by more than two faces (internal walls or "
            "parts touching along an edge).",
            f"{len(f.nonmanifold_edges)} arête(s) sont partagées par plus de deux faces (parois internes "
            "ou pièces qui se touchent par une arête).",
            "Merge the bodies (union) before exporting, or remove the internal faces.",
            "Fusionnez les corps (union booléenne) avant l'export, ou supprimez les faces internes.",
            {"edges": int(len(f.nonmanifold_edges)), "points": _pts(mids)},
        ))
    if len(f.misoriented_edges):
        mids = (f.vertices[f.misoriented_edges[:, 0]] + f.vertices[f.misoriented_edges[:, 1]]) / 2
        issues.append(make_issue(
            "mesh_inconsistent_winding", "warning",
            f"Some faces are turned inside out: {len(f.misoriented_edges)} edge(s) join faces whose normals "
            "disagree. The volume and the slicing may be wrong there.",
            f"Certaines faces sont retournées : {len(f.misoriented_edges)} arête(s) relient des faces dont "
            "les normales ne sont pas cohérentes. Le volume et le tranchage peuvent y être faux.",
            "Recalculate the normals: Blender Edit mode > Mesh > Normals > Recalculate Outside; "
            "Meshmixer > Inspector > Auto Repair.",
            "Recalculez les normales : Blender, mode Édition > Maillage > Normales > Recalculer vers "
            "l'extérieur ; Meshmixer > Inspecteur > Réparation automatique.",
            {"edges": int(len(f.misoriented_edges)), "points": _pts(mids)},
        ))
    inverted = [b for b in range(f.bodies) if f.body_watertight[b] and f.body_volumes[b] < 0]
    if inverted:
        issues.append(make_issue(
            "mesh_inverted_normals", "warning",
            f"{len(inverted)} body(ies) are inside out (negative volume): all normals point inwards.",
            f"{len(inverted)} pièce(s) sont retournées (volume négatif) : toutes les normales pointent "
            "vers l'intérieur.",
            "Flip the normals (Blender: Mesh > Normals > Flip); most slicers also fix it on their own.",
            "Inversez les normales (Blender : Maillage > Normales > Inverser) ; la plupart des trancheurs "
            "le corrigent aussi d'eux-mêmes.",
            {"bodies": inverted[:MAX_LOCATIONS]},
        ))
    if len(f.degenerate_faces):
        issues.append(make_issue(
            "mesh_degenerate_faces", "info",
            f"{len(f.degenerate_faces)} face(s) have no area (zero-size triangles); they will be ignored.",
            f"{len(f.degenerate_faces)} face(s) n'ont aucune surface (triangles aplatis) ; elles seront ignorées.",
            "Harmless in small numbers; 'Merge by distance' in Blender removes them.",
            "Sans gravité en petit nombre ; « Fusionner par distance » dans Blender les supprime.",
            {"faces": [int(i) for i in f.degenerate_faces[:MAX_LOCATIONS]]},
        ))
    if f.bodies > 1:
        issues.append(make_issue(
            "mesh_several_bodies", "info",
            f"The file holds {f.bodies} separate parts; they will be printed together."
            + (" Some overlap: their volume is counted once." if f.union_volume_mm3 is not None else ""),
            f"Le fichier contient {f.bodies} pièces séparées ; elles seront imprimées ensemble."
            + (" Certaines se chevauchent : leur volume n'est compté qu'une fois."
               if f.union_volume_mm3 is not None else ""),
            "If they should be one part, join them (union) in your modeller before exporting.",
            "Si elles doivent former une seule pièce, fusionnez-les (union) dans votre modeleur avant l'export.",
            {"bodies": int(f.bodies)},
        ))
    return issues


def flat_issue(f: MeshFacts) -> dict[str, Any] | None:
    ext = f.extents
    if ext.min() > 1e-6 and f.volume_mm3 > 1e-9 * max(1.0, float(ext.max()) ** 3):
        return None
    return make_issue(
        "mesh_no_volume", "error",
        f"The model has no volume (size {_box(ext)}): it is flat or empty, there is nothing to print.",
        f"Le modèle n'a aucun volume (taille {_box(ext)}) : il est plat ou vide, il n'y a rien à imprimer.",
        "Give the shape a thickness (Extrude in Tinkercad/Fusion 360, Solidify modifier in Blender).",
        "Donnez une épaisseur à la forme (extrusion dans Tinkercad/Fusion 360, modificateur "
        "« Solidifier » dans Blender).",
        {"bbox_mm": [round(float(v), 3) for v in ext]},
    )


def scale_issue(f: MeshFacts) -> dict[str, Any] | None:
    """Tiny parts are usually a unit mistake: metres, inches, or a scan normalised to 1."""
    ext = f.extents
    biggest = float(ext.max())
    if biggest <= 0 or biggest >= 10:
        return None
    choices = [{"unit": "mm", "factor": 1.0, "bbox_mm": [round(float(v), 2) for v in ext]}]
    for unit, factor in (("in", 25.4), ("cm", 10.0), ("m", 1000.0)):
        size = ext * factor
        if 5 <= size.max() <= 2000:
            choices.append({"unit": unit, "factor": factor, "bbox_mm": [round(float(v), 2) for v in size]})
    normalised = abs(biggest - 1) < 0.02 or abs(biggest - 2) < 0.04
    severity = "warning" if biggest < 3 else "info"
    sizes_fr = " ; ".join(f"en {UNIT_WORDS[c['unit']][0]} : {_box(c['bbox_mm'])}" for c in choices)
    sizes_en = "; ".join(f"in {UNIT_WORDS[c['unit']][1]}: {_box(c['bbox_mm'])}" for c in choices)
    why_fr = (" Il ressemble à un scan normalisé à 1 unité." if normalised else "")
    why_en = (" It looks like a scan normalised to 1 unit." if normalised else "")
    return make_issue(
        "mesh_scale_suspicious", severity,
        f"The model is only {_box(ext)} if its unit is the millimetre: it was probably exported in "
        f"another unit.{why_en} Confirm the unit: {sizes_en}.",
        f"Le modèle ne mesure que {_box(ext)} si son unité est le millimètre : il a sans doute été exporté "
        f"dans une autre unité.{why_fr} Confirmez l'unité : {sizes_fr}.",
        "Choose the right unit when exporting (millimetres), or scale the part in the slicer.",
        "Choisissez la bonne unité à l'export (millimètres), ou mettez la pièce à l'échelle dans le trancheur.",
        {"choices": choices},
    )


def fit_issues(f: MeshFacts, machines: list[Machine]) -> list[dict[str, Any]]:
    issues = []
    for m in machines:
        area = (m.work_area.x, m.work_area.y, m.work_area.z)
        fits = fitting_orientations(f.extents, area)
        where = {"machine": m.id, "bbox_mm": [round(float(v), 2) for v in f.extents],
                 "build_volume_mm": list(area)}
        if not fits:
            issues.append(make_issue(
                "mesh_too_big", "error",
                f"The part ({_box(f.extents)}) does not fit {m.name} ({_box(area)}) in any orientation.",
                f"La pièce ({_box(f.extents)}) ne rentre pas dans {m.name} ({_box(area)}), quelle que soit "
                "son orientation.",
                "Scale it down, or cut it into pieces to glue (Meshmixer Plane Cut, PrusaSlicer Cut tool).",
                "Réduisez-la, ou coupez-la en morceaux à coller (Meshmixer « Plane Cut », outil Couper de "
                "PrusaSlicer).",
                where,
            ))
        elif fits[0]["axes"] != [0, 1, 2]:
            best = fits[0]
            issues.append(make_issue(
                "mesh_needs_rotation", "warning",
                f"As placed ({_box(f.extents)}) the part does not fit {m.name} ({_box(area)}); "
                f"{best['rotation']['en']} it does ({_box(best['bbox_mm'])}).",
                f"Telle qu'elle est posée ({_box(f.extents)}), la pièce ne rentre pas dans {m.name} "
                f"({_box(area)}) ; {best['rotation']['fr']}, elle rentre ({_box(best['bbox_mm'])}).",
                "Rotate it in the slicer (or in your modeller) as suggested.",
                "Tournez-la dans le trancheur (ou dans votre modeleur) comme indiqué.",
                {**where, "orientations": fits},
            ))
    return issues


def nozzle_issues(f: MeshFacts, nozzle_mm: float) -> list[dict[str, Any]]:
    issues = []
    walls = thin_walls(f.triangles, f.normals, f.face_areas, nozzle_mm, f.faces)
    if walls is not None and walls.thin_area_mm2 >= 4 * nozzle_mm**2:
        issues.append(make_issue(
            "mesh_thin_walls", "warning",
            f"Walls thinner than the {_mm(nozzle_mm)} mm nozzle (down to {_mm(walls.min_thickness_mm)} mm, "
            f"about {walls.thin_area_mm2:.0f} mm² of surface): they will be missing or fragile.",
            f"Des parois sont plus fines que la buse de {_mm(nozzle_mm)} mm (jusqu'à "
            f"{_mm(walls.min_thickness_mm)} mm, environ {walls.thin_area_mm2:.0f} mm² de surface) : elles "
            "seront absentes ou fragiles.",
            f"Thicken those walls to at least {_mm(2 * nozzle_mm)} mm (two nozzle widths).",
            f"Épaississez ces parois à au moins {_mm(2 * nozzle_mm)} mm (deux largeurs de buse).",
            {"points": walls.points, "faces": walls.faces},
        ))
    small = []
    for b in range(f.bodies):
        ext = f.body_hi[b] - f.body_lo[b]
        if 0 < ext.max() < 2 * nozzle_mm or 0 < ext.min() < nozzle_mm / 2:
            small.append((b, (f.body_hi[b] + f.body_lo[b]) / 2, ext))
    if small:
        issues.append(make_issue(
            "mesh_details_too_small", "warning",
            f"{len(small)} detail(s) are smaller than the {_mm(nozzle_mm)} mm nozzle can draw "
            f"(e.g. {_box(small[0][2])}): they will not print.",
            f"{len(small)} détail(s) sont plus petits que ce que la buse de {_mm(nozzle_mm)} mm peut tracer "
            f"(par ex. {_box(small[0][2])}) : ils ne seront pas imprimés.",
            "Enlarge these details or remove them.",
            "Agrandissez ces détails ou supprimez-les.",
            {"bodies": [s[0] for s in small[:MAX_LOCATIONS]], "points": _pts(np.array([s[1] for s in small]))},
        ))
    return issues


def overhang_issue(f: MeshFacts) -> dict[str, Any] | None:
    if f.overhang_area_mm2 < 1.0:
        return None
    centres = f.triangles[f.overhang_faces[np.argsort(-f.face_areas[f.overhang_faces])]].mean(axis=1)
    return make_issue(
        "mesh_overhangs", "info",
        f"{f.overhang_area_mm2:.0f} mm² of surface overhangs more than 45°: supports will be needed there.",
        f"{f.overhang_area_mm2:.0f} mm² de surface sont en surplomb de plus de 45° : il faudra des supports "
        "à ces endroits.",
        "Turn the part so big flat faces rest on the bed, or accept supports (more time and material).",
        "Tournez la pièce pour poser ses grandes faces planes sur le plateau, ou acceptez des supports "
        "(plus de temps et de matière).",
        {"area_mm2": round(f.overhang_area_mm2, 1), "faces": [int(i) for i in f.overhang_faces[:MAX_LOCATIONS]],
         "points": _pts(centres)},
    )
