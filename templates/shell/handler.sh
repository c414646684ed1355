#!/bin/sh
# An Agora function in exec mode: the request body on stdin, the response on stdout.
printf 'hello '
cat
