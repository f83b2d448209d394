/**
 * Domain data: names of widely read news outlets, as people write them in questions ("according
 * to Reuters", "a BBC report"). The archive's own outlets come from its articles; this list lets
 * Newsdesk notice when a question asks for an outlet the archive holds nothing from, and say so.
 * Names are matched case-sensitively as whole words, so only names that read as names are here
 * (no "Time", "Fortune" or "Wired": those are common words too).
 */
export const KNOWN_OUTLETS: readonly string[] = [
  // Wire services and broadcasters
  'Reuters', 'Associated Press', 'AP News', 'AFP', 'Agence France-Presse', 'Bloomberg', 'BBC', 'CNN', 'CNBC', 'NBC News',
  'ABC News', 'CBS News', 'Fox News', 'MSNBC', 'NPR', 'PBS', 'Sky News', 'Al Jazeera', 'Deutsche Welle', 'France 24',
  'Euronews', 'Xinhua', 'Kyodo', 'ITV News', 'Channel 4 News', 'CBC', 'ABC Australia',
  // Newspapers
  'The New York Times', 'New York Times', 'NYT', 'The Washington Post', 'Washington Post', 'The Wall Street Journal',
  'Wall Street Journal', 'WSJ', 'USA Today', 'Los Angeles Times', 'LA Times', 'Chicago Tribune', 'The Boston Globe',
  'Financial Times', 'The Guardian', 'The Telegraph', 'Daily Telegraph', 'The Independent', 'Daily Mail',
  'Evening Standard', 'The Observer', 'The Economist', 'Le Monde', 'Der Spiegel', 'El País',
  'The Times of India', 'Times of India', 'Hindustan Times', 'The Hindu', 'Indian Express', 'The Indian Express',
  'South China Morning Post', 'The Japan Times', 'The Straits Times', 'The Sydney Morning Herald',
  'Haaretz', 'The Jerusalem Post', 'Times of Israel', 'The Globe and Mail', 'Toronto Star',
  'The Irish Times', 'Politico', 'Axios', 'The Hill', 'Newsweek', 'The Atlantic', 'The New Yorker',
  'BuzzFeed News', 'HuffPost', 'Huffington Post', 'Business Insider', 'Yahoo News', 'Yahoo Finance',
  // Business, technology, science, culture, sport
  'Forbes', 'Fortune magazine', 'MarketWatch', 'Barron\'s', 'Seeking Alpha', 'The Motley Fool', 'Investopedia',
  'TechCrunch', 'The Verge', 'Engadget', 'Wired magazine', 'Ars Technica', 'CNET', 'ZDNet', 'Gizmodo', 'Mashable',
  'VentureBeat', 'IGN', 'Kotaku', 'GameSpot', 'PC Gamer', 'Eurogamer',
  'Scientific American', 'New Scientist', 'Live Science', 'Space.com', 'National Geographic',
  'Rolling Stone', 'The Hollywood Reporter', 'Pitchfork', 'Vanity Fair',
  'ESPN', 'Sporting News', 'Sports Illustrated', 'The Athletic', 'Bleacher Report', 'CBS Sports', 'Sky Sports',
  'talkSPORT', 'Yardbarker', 'Sportskeeda',
];
