"""``python -m gongkai_xlsx.cli``: the program, as the console script runs it."""

from gongkai_xlsx.interrupt import quiet_while_loading

quiet_while_loading(__name__)

from gongkai_xlsx.cli import main  # noqa: E402

main()
