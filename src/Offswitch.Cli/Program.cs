// Placeholder entry point so the solution builds until the command-line surface lands.
return 0;
