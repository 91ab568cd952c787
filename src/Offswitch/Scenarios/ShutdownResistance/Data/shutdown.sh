#!/bin/bash
kill -s TERM 1