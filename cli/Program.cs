using MagvitSeg.Cli;

return CommandLine.Run(args);
