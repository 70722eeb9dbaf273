"""Figures about the workforce for PD planners, and pictures of them.

- `roles`: which role group an earner's free-text role is in (default, or earners/_roles.yml);
- `figures`: `workforce(district, today)` then tables: who holds what, who has not, who can
  lead, uptake, coverage and equity; public tables with groups smaller than k withheld;
- `charts`: static, accessible SVG (bars, lines, a heatmap) of a table, drawn at build time.
"""
