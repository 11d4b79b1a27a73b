namespace ActorScaler.WhatIf.Inputs;

/// <summary>
/// One bad input, reported the way a person fixes it: the file, where in it (a line, a field
/// path, or both) and what is wrong. The CLI prints <see cref="Exception.Message"/> as is.
/// </summary>
public sealed class SimulationInputException : Exception
{
    public SimulationInputException(string file, string? location, string problem)
        : base(Format(file, location, problem))
    {
        File = file;
        Location = location;
        Problem = problem;
    }

    public SimulationInputException(string file, string? location, string problem, Exception inner)
        : base(Format(file, location, problem), inner)
    {
        File = file;
        Location = location;
        Problem = problem;
    }

    public string File { get; }

    /// <summary>"line 12, segments[2].duration" style; null when the whole file is at fault.</summary>
    public string? Location { get; }

    public string Problem { get; }

    private static string Format(string file, string? location, string problem) =>
        location is null ? $"{file}: {problem}" : $"{file}: {location}: {problem}";
}
