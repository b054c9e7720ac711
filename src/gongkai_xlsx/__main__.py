"""``python -m gongkai_xlsx``: the program, as the console script runs it."""

from gongkai_xlsx.interrupt import quiet_while_loading

quiet_while_loading(__name__)  # a Ctrl-C while the rest loads ends with 已中断

from gongkai_xlsx.cli import main  # noqa: E402

main()
