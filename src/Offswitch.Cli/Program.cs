// Placeholder entry point so the solution builds until the command-line interface lands.
return 0;
