using MagvitSeg.Cli;

return CommandLine.Dispatch(args);
