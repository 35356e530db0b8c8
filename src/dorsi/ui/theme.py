"""Light and dark themes: a Fusion palette plus matching pyqtgraph colours."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

DARK = {
    QPalette.ColorRole.Window: "#1f2227",
    QPalette.ColorRole.WindowText: "#e8e8e8",
    QPalette.ColorRole.Base: "#16181c",
    QPalette.ColorRole.AlternateBase: "#22262c",
    QPalette.ColorRole.Text: "#e8e8e8",
    QPalette.ColorRole.Button: "#2a2e35",
    QPalette.ColorRole.ButtonText: "#e8e8e8",
    QPalette.ColorRole.Highlight: "#2f7fd8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2a2e35",
    QPalette.ColorRole.ToolTipText: "#e8e8e8",
    QPalette.ColorRole.PlaceholderText: "#8a8f98",
    # frame shades: QPalette's defaults are a light theme's, which leaves input frames invisible on dark
    QPalette.ColorRole.Light: "#4a505a",
    QPalette.ColorRole.Midlight: "#3a3f47",
    QPalette.ColorRole.Mid: "#555b66",
    QPalette.ColorRole.Dark: "#101215",
    QPalette.ColorRole.Shadow: "#000000",
}
LIGHT = {
    QPalette.ColorRole.Window: "#f4f5f7",
    QPalette.ColorRole.WindowText: "#1d1f23",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#eef0f3",
    QPalette.ColorRole.Text: "#1d1f23",
    QPalette.ColorRole.Button: "#e9ebef",
    QPalette.ColorRole.ButtonText: "#1d1f23",
    QPalette.ColorRole.Highlight: "#2f7fd8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d1f23",
    QPalette.ColorRole.PlaceholderText: "#7a7f88",
}


def plot_colors(theme: str) -> tuple[str, str]:
    """(background, foreground) for pyqtgraph."""
    return ("#16181c", "#d0d3d8") if theme == "dark" else ("#ffffff", "#303338")


def apply_theme(app: QApplication, theme: str) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in (DARK if theme == "dark" else LIGHT).items():
        palette.setColor(role, QColor(color))
    app.setPalette(palette)
    bg, fg = plot_colors(theme)
    pg.setConfigOptions(background=bg, foreground=fg, antialias=True)
    # dark cards are a shade lighter than the input fields on them (Fusion frames inputs in a shade
    # of the window colour, which vanishes on a dark card of the inputs' own colour)
    card_bg = "palette(alternate-base)" if theme == "dark" else "palette(base)"
    app.setStyleSheet(
        f"QFrame#card {{ border: 1px solid palette(mid); border-radius: 8px; background: {card_bg}; }}"
        "QListWidget#nav { font-size: 16px; border: none; background: palette(alternate-base); }"
        "QListWidget#nav::item { padding: 12px 14px; }"
        "QListWidget#nav::item:selected { background: palette(highlight); color: palette(highlighted-text); }"
        # inputs sit on cards of the same base colour: a frame and a shade tell them apart
        "QLineEdit { border: 1px solid palette(mid); border-radius: 3px; padding: 2px 4px; "
        "background: palette(base); }"
        "QLineEdit:focus { border-color: palette(highlight); }"
        "QPushButton:checked { background: palette(highlight); color: palette(highlighted-text); "
        "border: 1px solid palette(highlight); border-radius: 3px; font-weight: bold; }"
    )
