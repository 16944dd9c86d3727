#!/bin/sh
# The generated code must match the headers and library in /usr: use Debian's protoc.
exec /usr/bin/protoc "$@"
