#!/bin/sh
# The benchmark function: echoes its input (stdin) after "hello ".
printf 'hello '
cat
