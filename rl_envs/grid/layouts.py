"""The named layouts. Each is a short definition; the engine is in ``env.py``."""

# The lecture's figure: 12 states (3 rows x 4 columns), terminal (greyed) cells in opposite
# corners, -1 per transition, start anywhere else.
LECTURE_3X4 = [
    "T...",
    "....",
    "...T",
]

# The mouse and cheese: the mouse starts bottom left next to a small cheese (+1, never used up:
# each step that ends on it pays again); the gigantic pile (+1000, ends the episode) waits at
# the top right, behind a winding corridor.
CHEESE_MAZE = [
    ".  .  .  #  T+1000",
    ".  #  .  #  .",
    ".  #  .  .  .",
    ".  #  #  #  #",
    ".  .  .  .  .",
    "S  +1 #  #  .",
]

# Names accepted by ``layout=`` in place of a list of rows.
LAYOUTS = {"lecture_3x4": LECTURE_3X4, "cheese_maze": CHEESE_MAZE}
