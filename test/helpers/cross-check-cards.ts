/**
 * Every card any test renders is also expanded by adaptivecards-templating, and the test fails on any
 * difference from the compiled template (src/teams/card-template.ts): the whole suite is the check.
 */
import { CardRenderer } from '../../src/teams/cards';

CardRenderer.crossCheck = true;
