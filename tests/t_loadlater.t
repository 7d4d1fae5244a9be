#!/bin/sh
exec "$(dirname "$0")/unit/t_loadlater"
