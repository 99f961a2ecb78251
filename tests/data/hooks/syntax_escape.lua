-- A syntax error whose token holds a terminal escape (tests/test_hook.c).

name = "red [31m
