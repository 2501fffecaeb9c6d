"""Write docs/features.md from the feature registry (run after adding or changing a feature).

    python docs/generate_feature_table.py

A test checks that the committed page matches the registry.
"""

from __future__ import annotations

from pathlib import Path

HEADER = """# Features

Every feature radiome computes, generated from the feature registry
(`radiome.features.registry`) by `docs/generate_feature_table.py`. Tags are the IBSI-1
compliance tags (`--naming ibsi`); radiome names (`--naming radiome`) are
`<family>_<name><aggregation>`. Texture families add an aggregation suffix: GLCM and GLRLM
`_2D_avg`, `_2D_comb`, `_2_5D_avg`, `_2_5D_comb`, `_3D_avg`, `_3D_comb` (radiome: `_2d_avg`,
`_2d_merged`, `_2.5d_avg`, `_2.5d_merged`, `_3d_avg`, `_3d_merged`); GLSZM, GLDZM, NGTDM and
NGLDM `_2D`, `_2_5D`, `_3D`. Formulas are in each feature's docstring and in the registry
(`FeatureSpec.formula`).

For a 2D image (radiograph, ultrasound, one slice) IBSI defines no morphology; radiome then
computes the 2D shape features listed under *morphology (2D)*, which carry no IBSI code and
say so.
"""


def render() -> str:
    from radiome.features.registry import families

    lines = [HEADER]
    for fam in families():
        lines.append(f"\n## {fam.name} (IBSI {fam.ibsi_code})\n")
        lines.append("| IBSI tag | radiome name | IBSI code | note |")
        lines.append("|---|---|---|---|")
        for spec in fam.features:
            note = (spec.deviation or "").replace("|", "/").replace("\n", " ")
            lines.append(f"| `{spec.tag}` | `{spec.name}` | {spec.ibsi_code or '-'} | {note} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    out = Path(__file__).with_name("features.md")
    out.write_text(render())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
